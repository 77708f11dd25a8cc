import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runPlaywright } from '../../../../packages/playwright-reporter/test/run-playwright.ts';
import { callApi } from '../api';
import { launchBrowser, logIn, openPage, saveScreenshot } from '../browser';

/**
 * The live view while a real Playwright run streams through @flackyness/playwright-reporter: the
 * page opened mid-run catches up, the progress bar reaches the run's 16 tests, the tests' own
 * output shows in the live log, and the page ends on the stored results.
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const reporterEntry = join(repoRoot, 'packages/playwright-reporter/dist/esm/index.js');
const config = join(repoRoot, 'apps/api/test/fixtures/live-project/playwright.config.ts');

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface RunsPage {
  items: { id: string; status: string }[];
}

describe('live view of a real run', () => {
  it('follows the reporter of a real Playwright run from start to stored results', async () => {
    const baseUrl = inject('baseUrl');
    const created = await callApi<{ project: { slug: string }; token: string }>(
      baseUrl,
      inject('adminToken'),
      'POST',
      '/api/v1/admin/projects',
      { name: 'Real reporter' },
    );
    const running = runPlaywright({
      config,
      reporters: ['line', reporterEntry],
      env: {
        FLACKYNESS_URL: baseUrl,
        FLACKYNESS_TOKEN: created.token,
        FLACKYNESS_RUN_NAME: 'Real run',
        FLACKYNESS_FLUSH_INTERVAL_MS: '300',
        FLK_STEP_MS: '700',
      },
    });
    const runs = () =>
      callApi<RunsPage>(
        baseUrl,
        created.token,
        'GET',
        `/api/v1/projects/${created.project.slug}/runs`,
      ).then((page) => page.items);
    await expect.poll(async () => (await runs()).length, { timeout: 60_000 }).toBe(1);
    const [run] = await runs();
    const { page, close } = await openPage(browser, baseUrl);
    try {
      await logIn(page, created.token);
      await page.goto(`/runs/${run?.id}`);
      const bar = page.getByRole('progressbar');
      expect(await bar.getAttribute('aria-valuemax')).toBe('16');
      await expect
        .poll(async () => Number(await bar.getAttribute('aria-valuenow').catch(() => '0')), {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      // The tests' own output, colours rendered as spans.
      await expect
        .poll(() => page.getByText(/step \d+ starts/).count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      await saveScreenshot(page, 'live-real-run-desktop-light');
      const result = await running;
      expect(result.exitCode, result.stderr).toBe(0);
      // The run is torn down: the page shows the stored results.
      await expect
        .poll(() => page.getByText('step 15', { exact: true }).count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      await expect.poll(async () => (await runs())[0]?.status, { timeout: 30_000 }).toBe('passed');
    } finally {
      await close();
    }
  }, 180_000);
});
