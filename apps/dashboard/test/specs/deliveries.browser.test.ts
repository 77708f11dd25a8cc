import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  VARIANTS,
  launchBrowser,
  logIn,
  openPage,
  saveScreenshot,
  seriousViolations,
} from '../browser';
import {
  DELIVERED_PR,
  DELIVERED_SHA,
  REPOSITORY,
  SKIPPED_HEAD,
  SKIPPED_PR,
  SKIPPED_SHA,
} from '../deliveries';

/**
 * The run page's pull request summaries, against a fake GitHub the global setup connected the
 * "Other team" project to: one posted (a comment and a commit status), one skipped because the PR's
 * head is another commit, shown with its reason. At desktop and phone width, light and dark.
 */
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the fake GitHub', () => {
  it('received only requests GitHub accepts, and holds one comment and one status', () => {
    const seed = inject('deliveries');
    expect(seed.violations).toEqual([]);
    expect(seed.commentsOnDelivered).toBe(1);
    expect(seed.commentsOnSkipped).toBe(0);
    expect(seed.statuses).toEqual([{ sha: DELIVERED_SHA, state: 'failure' }]);
  });
});

/** The page has no horizontal scroll: nothing is wider than the viewport. */
const overflows = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe.each(VARIANTS)('pull request summaries at $name', (variant) => {
  it('shows the posted summary with its links and the skipped one with its reason', async () => {
    const seed = inject('deliveries');
    const watched = await openPage(browser, inject('baseUrl'), variant);
    const { page, problems } = watched;
    try {
      await logIn(page, inject('otherToken'));

      expect((await page.goto(`/runs/${seed.deliveredRunId}`))?.status()).toBe(200);
      const posted = page.getByRole('region', { name: 'Pull request summary' });
      await posted.waitFor();
      const postedItem = posted.getByRole('listitem');
      expect(await postedItem.count()).toBe(1);
      const postedText = (await postedItem.innerText()).replace(/\s+/g, ' ');
      expect(postedText).toContain('posted');
      expect(postedText).toContain('GitHub');
      expect(postedText).not.toContain('GitHub Actions');
      expect(postedText).toContain(REPOSITORY);
      expect(postedText).toContain(`PR #${DELIVERED_PR}`);
      expect(postedText).toContain('Commit status: failure');
      const comment = posted.getByRole('link', { name: /Comment/ });
      expect(await comment.getAttribute('href')).toBe(seed.commentUrl);
      expect(await comment.textContent()).toContain('Comment ↗');
      expect(await overflows(page)).toBe(false);
      expect(await seriousViolations(page), `posted at ${variant.name}`).toEqual([]);
      await saveScreenshot(page, `run-delivered-${variant.name}`);

      expect((await page.goto(`/runs/${seed.skippedRunId}`))?.status()).toBe(200);
      const skipped = page.getByRole('region', { name: 'Pull request summary' });
      await skipped.waitFor();
      const skippedText = (await skipped.getByRole('listitem').innerText()).replace(/\s+/g, ' ');
      expect(skippedText).toContain('skipped');
      expect(skippedText).toContain(`PR #${SKIPPED_PR}`);
      expect(skippedText).toContain(
        `The head of pull request #${SKIPPED_PR} is ${SKIPPED_HEAD.slice(0, 12)}, but the run tested ${SKIPPED_SHA.slice(0, 12)}: nothing written.`,
      );
      expect(await skipped.getByRole('link').count()).toBe(0);
      expect(skippedText).not.toContain('Commit status');
      expect(await overflows(page)).toBe(false);
      expect(await seriousViolations(page), `skipped at ${variant.name}`).toEqual([]);
      await saveScreenshot(page, `run-skipped-${variant.name}`);

      expect(problems).toEqual([]);
    } finally {
      await watched.close();
    }
  });
});
