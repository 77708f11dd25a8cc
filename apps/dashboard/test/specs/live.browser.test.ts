import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callApi } from '../api';
import {
  launchBrowser,
  logIn,
  openPage,
  saveScreenshot,
  seriousViolations,
  type Variant,
  type WatchedPage,
} from '../browser';
import { LiveRun, log, testBegin, testEnd, type LiveTestCase } from '../live';
import { startDashboard, type DashboardService } from '../server';

/**
 * A live run streamed through the real ingest API while its page is open: the dashboard follows
 * it (progress, outcomes, coloured log), survives a dropped connection without repeating
 * anything, keeps the runs list current without a reload, and shows the stored results once the
 * run is torn down. The run page is served by the dashboard as a service of its own (API_URL),
 * which the test stops and starts again to drop the stream; the runs list by the one-port server.
 */
const ESC = '\u001b';
const PHONE_LIGHT: Variant = {
  name: 'phone-light',
  viewport: { width: 390, height: 844 },
  colorScheme: 'light',
};

let browser: Browser;
let project: { slug: string; token: string };

beforeAll(async () => {
  browser = await launchBrowser();
  const created = await callApi<{ project: { slug: string }; token: string }>(
    inject('baseUrl'),
    inject('adminToken'),
    'POST',
    '/api/v1/admin/projects',
    { name: 'Live team' },
  );
  project = { slug: created.project.slug, token: created.token };
});
afterAll(async () => {
  await browser?.close();
});

const tests: LiveTestCase[] = [
  { id: 'live-1', title: 'shows the cart', order: 0 },
  { id: 'live-2', title: 'pays with a card', order: 1 },
  { id: 'live-3', title: 'applies a coupon', order: 2 },
  { id: 'live-4', title: 'prints the receipt', order: 3 },
];
const [t1, t2, t3, t4] = tests as [LiveTestCase, LiveTestCase, LiveTestCase, LiveTestCase];

/** The live view's state of a test (its row's data-state), or null while it has no row. */
function testState(page: Page, test: LiveTestCase) {
  return page
    .locator(`tr[data-test-id="${test.id}"]`)
    .getAttribute('data-state', { timeout: 1000 })
    .catch(() => null);
}

function progressValue(page: Page) {
  return page
    .getByRole('progressbar')
    .getAttribute('aria-valuenow', { timeout: 1000 })
    .catch(() => null);
}

/** The dropped stream leaves network errors in the console; anything else is a problem. */
function realProblems(watched: WatchedPage) {
  return watched.problems.filter((p) => !/net::ERR_|Failed to load resource/.test(p));
}

describe('live run', () => {
  it('follows a run as it streams, resumes after a drop, and ends on the stored results', async () => {
    const baseUrl = inject('baseUrl');
    const run = await LiveRun.start(baseUrl, project.token, {
      runName: 'Live checkout',
      totalTests: tests.length,
      ci: {
        provider: 'github',
        branch: 'main',
        commit: 'c'.repeat(40),
        pipeline: 'live-1',
        job: 'e2e',
      },
    });
    let dashboard: DashboardService | undefined = await startDashboard(baseUrl);
    const list = await openPage(browser, baseUrl);
    const live = await openPage(browser, dashboard.url);
    const { page } = live;
    try {
      await logIn(list.page, inject('adminToken'));
      await list.page.goto(`/projects/${project.slug}/runs`);
      const row = list.page.locator('tbody tr', {
        has: list.page.locator(`a[href="/runs/${run.runId}"]`),
      });
      expect(await row.textContent()).toContain('running');
      // Marked, so the update is seen to land in the same row: no reload, no navigation.
      await row.evaluate((element) => element.setAttribute('data-marked', ''));

      // The overview lists the runs in progress (same session as the list).
      const overview = await list.context.newPage();
      await overview.goto(`/projects/${project.slug}`);
      const running = overview.getByRole('region', { name: 'Running now' });
      expect(await running.getByRole('link', { name: 'Live checkout' }).count()).toBe(1);

      await logIn(page, inject('adminToken'));
      await page.goto(`/runs/${run.runId}`);
      await expect.poll(() => page.locator('.connection').textContent()).toBe('Live');
      expect(await page.getByRole('progressbar').getAttribute('aria-valuemax')).toBe('4');

      await run.send([
        testBegin(t1),
        log(`${ESC}[31mred text${ESC}[39m and ${ESC}[1mbold${ESC}[22m <b>not markup</b>\n`, t1),
        log('run-level line\n'),
        testEnd(t1, { status: 'passed', outcome: 'expected' }),
      ]);
      await expect.poll(() => progressValue(page)).toBe('1');
      expect(await testState(page, t1)).toBe('expected');

      await run.send([
        testBegin(t2),
        testEnd(t2, { status: 'failed', outcome: 'unexpected' }),
        testBegin(t3),
        testEnd(t3, { status: 'failed', outcome: 'unexpected', willRetry: true }),
      ]);
      await expect.poll(() => testState(page, t2)).toBe('unexpected');
      await expect.poll(() => testState(page, t3)).toBe('retrying');
      expect(await progressValue(page)).toBe('2');

      await run.send([
        testBegin(t3, 1),
        testEnd(t3, { retry: 1, status: 'passed', outcome: 'flaky' }),
      ]);
      await expect.poll(() => testState(page, t3)).toBe('flaky');
      await expect.poll(() => progressValue(page)).toBe('3');
      // Failures first.
      expect(await page.locator('tr[data-test-id]').first().getAttribute('data-test-id')).toBe(
        t2.id,
      );

      // The log: colours as coloured spans, markup as text, no escape codes left.
      const logPanel = page.getByRole('log');
      const red = logPanel.locator('span.fg1', { hasText: 'red text' });
      await expect.poll(() => red.count()).toBe(1);
      expect(await red.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 123, 114)');
      expect(await logPanel.locator('span.bold', { hasText: 'bold' }).count()).toBe(1);
      const logText = (await logPanel.textContent()) ?? '';
      expect(logText).toContain('<b>not markup</b>');
      expect(logText).toContain('run-level line');
      expect(logText).not.toContain(ESC);
      expect(logText).not.toContain('[31m');
      expect(await logPanel.locator('b').count()).toBe(0);

      // The runs list followed, in place.
      await expect.poll(() => list.page.locator('tr[data-marked]').textContent()).toContain('3/4');
      const listBar = list.page.locator('tr[data-marked]').getByRole('progressbar');
      expect(await listBar.getAttribute('aria-valuenow')).toBe('3');
      expect(await list.page.locator('tr[data-marked]').textContent()).toContain('live');
      await expect
        .poll(() => running.getByRole('progressbar').getAttribute('aria-valuenow'))
        .toBe('3');

      expect(await seriousViolations(page)).toEqual([]);
      expect(await seriousViolations(list.page)).toEqual([]);
      await saveScreenshot(page, 'live-run-desktop-light');
      await saveScreenshot(list.page, 'live-runs-desktop-light');
      const phone = await openPage(browser, dashboard.url, PHONE_LIGHT);
      try {
        await logIn(phone.page, inject('adminToken'));
        await phone.page.goto(`/runs/${run.runId}`);
        await expect.poll(() => progressValue(phone.page)).toBe('3');
        await expect.poll(() => testState(phone.page, t3)).toBe('flaky');
        expect(await seriousViolations(phone.page)).toEqual([]);
        await saveScreenshot(phone.page, 'live-run-phone-light');
        expect(phone.problems).toEqual([]);
      } finally {
        await phone.close();
      }

      // Drop the stream: the dashboard goes away while the run goes on, then comes back.
      const port = dashboard.port;
      await dashboard.stop();
      dashboard = undefined;
      await expect.poll(() => page.locator('.connection').textContent()).toBe('Reconnecting…');
      await run.send([
        testBegin(t4),
        log('written while the dashboard was away\n', t4),
        testEnd(t4, { status: 'passed', outcome: 'expected' }),
      ]);
      dashboard = await startDashboard(baseUrl, port);
      await expect.poll(() => progressValue(page), { timeout: 40_000 }).toBe('4');
      await expect.poll(() => page.locator('.connection').textContent()).toBe('Live');
      expect(await page.locator('tr[data-test-id]').count()).toBe(4);
      const lines = await logPanel.locator('.line').allTextContents();
      expect(lines.filter((line) => line.includes('red text'))).toHaveLength(1);
      expect(lines.filter((line) => line.includes('run-level line'))).toHaveLength(1);
      expect(lines.filter((line) => line.includes('while the dashboard was away'))).toHaveLength(1);
      // The log filters by text or by test title.
      const filter = page.getByLabel('Filter the log');
      await filter.fill('RED TEXT');
      await expect.poll(() => logPanel.locator('.line').allTextContents()).toHaveLength(1);
      await filter.fill('prints the receipt');
      expect(await logPanel.locator('.line').allTextContents()).toEqual([
        'written while the dashboard was away',
      ]);
      await filter.fill('');

      // Teardown: the page shows the stored results; the list shows the outcome.
      await run.teardown('failed');
      await expect
        .poll(() => page.locator('h2').allTextContents(), { timeout: 20_000 })
        .toContain('Results');
      const results = page.locator('tbody tr', { has: page.locator('a[href^="/tests/"]') });
      await expect.poll(() => results.count()).toBe(4);
      const outcomes = await results.locator('td:first-child').allTextContents();
      expect(outcomes.map((o) => o.trim()).sort()).toEqual([
        'expected',
        'expected',
        'flaky',
        'unexpected',
      ]);
      expect(await page.locator('h1 + p').textContent()).toContain('failed');
      await expect
        .poll(() => list.page.locator('tr[data-marked]').textContent())
        .toContain('failed');
      expect(await list.page.locator('tr[data-marked]').getByRole('progressbar').count()).toBe(0);
      await saveScreenshot(page, 'live-run-ended-desktop-light');
      // The overview read its figures again and no longer lists the run as running.
      await expect.poll(() => running.count()).toBe(0);

      expect(realProblems(live)).toEqual([]);
      expect(list.problems).toEqual([]);
    } finally {
      await live.close();
      await list.close();
      await dashboard?.stop();
    }
  });

  it('a stream without a session answers 401, not the login page', async () => {
    const response = await fetch(`${inject('baseUrl')}/projects/${project.slug}/stream`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(401);
  });
});
