import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, logIn, openPage, saveScreenshot } from '../browser';
import { callApi } from '../api';
import { freePort, startDashboard } from '../server';

/**
 * Not-found pages, and the dashboard as a service of its own (the docker-compose shape): it reaches
 * the API through API_URL, and says so plainly when the API cannot be reached.
 */
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('error pages', () => {
  it('a missing run, test or page is a 404 page inside the frame', async () => {
    const { page, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('adminToken'));
      for (const path of [
        '/runs/00000000-0000-0000-0000-000000000000',
        '/tests/not-an-id',
        '/projects/no-such-project/flaky',
        '/no/such/page',
      ]) {
        const response = await page.goto(path);
        expect(response?.status(), path).toBe(404);
        expect(await page.locator('h1').textContent()).toBe('Not found');
      }
      await saveScreenshot(page, 'not-found-desktop-light');
    } finally {
      await close();
    }
  });

  it('as a separate service the dashboard reads the API through API_URL', async () => {
    const dashboard = await startDashboard(inject('baseUrl'));
    const { page, problems, close } = await openPage(browser, dashboard.url);
    try {
      await logIn(page, inject('demoToken'));
      expect(new URL(page.url()).pathname).toBe('/projects/demo');
      expect(await page.locator('h1').textContent()).toBe('Demo shop');
      expect(problems).toEqual([]);
    } finally {
      await close();
      await dashboard.stop();
    }
  });

  it('an unreachable API is a 503 page that says so', async () => {
    const closedPort = await freePort();
    const dashboard = await startDashboard(`http://127.0.0.1:${closedPort}`);
    const { page, context, close } = await openPage(browser, dashboard.url);
    try {
      await page.goto('/login');
      await page.getByLabel('Token').fill(inject('adminToken'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('cannot be reached');
      await context.addCookies([
        { name: 'flk_session', value: 'flks_whatever', url: dashboard.url },
      ]);
      const response = await page.goto('/projects/demo');
      expect(response?.status()).toBe(503);
      expect(await page.locator('h1').textContent()).toBe('The API cannot be reached');
      await saveScreenshot(page, 'api-unreachable-desktop-light');
    } finally {
      await close();
      await dashboard.stop();
    }
  });
});

describe('empty states', () => {
  it("a project without uploads teaches the next step: the upload line with the project's slug", async () => {
    const { project } = await callApi<{ project: { slug: string } }>(
      inject('baseUrl'),
      inject('adminToken'),
      'POST',
      '/api/v1/admin/projects',
      { name: 'Brand new' },
    );
    const { page, problems, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('adminToken'));
      for (const path of [`/projects/${project.slug}`, `/projects/${project.slug}/runs`]) {
        await page.goto(path);
        const command = await page.getByLabel('Upload command').textContent();
        expect(command).toContain(`-F "project=${project.slug}"`);
        expect(command).toContain('/api/v1/reports');
      }
      await page.goto(`/projects/${project.slug}/flaky`);
      expect(await page.getByRole('heading', { name: 'No flaky tests right now' }).count()).toBe(1);
      await saveScreenshot(page, 'empty-flaky-desktop-light');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
