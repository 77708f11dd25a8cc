import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, logIn, openPage } from '../browser';
import { XSS_TITLE } from '../global-setup';
import { startDashboard } from '../server';

/** User text is shown as text, never run; the CSP needs no unsafe-eval. */
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('hostile text', () => {
  it('a test titled with markup shows as text on every page that names it, and no dialog opens', async () => {
    const { page, problems, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('otherToken'));
      const slug = inject('otherSlug');
      await page.goto(`/tests/${inject('xssTestId')}`);
      expect(await page.locator('h1').textContent()).toBe(XSS_TITLE);
      await page.goto(`/projects/${slug}/flaky?status=all&q=onerror`);
      expect(await page.locator('tbody td.test > a').first().textContent()).toBe(XSS_TITLE);
      await page.goto(`/projects/${slug}/runs`);
      expect(await page.locator('tbody').textContent()).toContain('<b>branch</b>');
      await page.locator('tbody a', { hasText: 'e2e' }).first().click();
      await page.waitForURL((url) => url.pathname.startsWith('/runs/'));
      const run = page.url();
      expect(await page.locator('main').textContent()).toContain(XSS_TITLE);
      await page.goto(`/projects/${slug}/errors`);
      await page.goto(run);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('b', { hasText: 'branch' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('pages carry a CSP without unsafe-eval or inline scripts, and refuse framing', async () => {
    const response = await fetch(`${inject('baseUrl')}/login`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('cross-site form posts (CSRF)', () => {
  const post = (url: string, origin: string) =>
    fetch(url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=flk_not_a_token',
      redirect: 'manual',
    });

  async function expectRefusedAcrossSites(base: string) {
    for (const path of ['/login', '/logout']) {
      const response = await post(`${base}${path}`, 'https://evil.example');
      expect(response.status, path).toBe(403);
    }
    // The same form from its own origin goes through to the action (a wrong token: no 403).
    expect((await post(`${base}/login`, base)).status).not.toBe(403);
  }

  it('are refused with 403 on the API’s port', async () => {
    await expectRefusedAcrossSites(inject('baseUrl'));
  });

  it('are refused with 403 by the dashboard as a service of its own (ORIGIN)', async () => {
    const dashboard = await startDashboard(inject('baseUrl'));
    try {
      await expectRefusedAcrossSites(dashboard.url);
    } finally {
      await dashboard.stop();
    }
  });
});
