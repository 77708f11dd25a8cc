import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  VARIANTS,
  launchBrowser,
  logIn,
  openPage,
  saveScreenshot,
  seriousViolations,
} from '../browser';
import { demoIds, type DemoIds } from '../data';

/**
 * Every page of the contract, at desktop and phone width, light and dark: it opens with its
 * heading, logs no console error, has no serious axe violation, and leaves a screenshot.
 */
let browser: Browser;
let ids: DemoIds;

beforeAll(async () => {
  browser = await launchBrowser();
  ids = await demoIds();
});
afterAll(async () => {
  await browser?.close();
});

const pages = () => [
  { name: 'projects', path: '/', heading: 'Projects' },
  { name: 'overview', path: '/projects/demo', heading: 'Demo shop' },
  { name: 'flaky', path: '/projects/demo/flaky', heading: 'Flaky tests' },
  { name: 'test', path: `/tests/${ids.flakyTestId}`, heading: null },
  { name: 'runs', path: '/projects/demo/runs', heading: 'Runs' },
  { name: 'run', path: `/runs/${ids.shardedRunId}`, heading: null },
  { name: 'errors', path: '/projects/demo/errors', heading: 'Errors' },
];

describe.each(VARIANTS)('pages at $name', (variant) => {
  it('opens every page without console errors or serious accessibility violations', async () => {
    const watched = await openPage(browser, inject('baseUrl'), variant);
    const { page, problems } = watched;
    try {
      await page.goto('/login');
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, `login-${variant.name}`);
      await logIn(page, inject('adminToken'));
      for (const target of pages()) {
        const response = await page.goto(target.path);
        expect(response?.status(), target.path).toBe(200);
        const h1 = page.locator('h1').first();
        if (target.heading) await expect.poll(() => h1.textContent()).toBe(target.heading);
        // Charts draw after hydration: wait for their canvases before judging the page.
        for (const chart of await page.locator('[role="img"]').all()) {
          await chart.locator('canvas').first().waitFor({ state: 'attached', timeout: 10_000 });
        }
        expect(await seriousViolations(page), `${target.path} at ${variant.name}`).toEqual([]);
        await saveScreenshot(page, `${target.name}-${variant.name}`);
      }
      expect(problems).toEqual([]);
    } finally {
      await watched.close();
    }
  });
});
