import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, logIn, openPage } from '../browser';
import { demoIds, readApi } from '../data';

/** Signing in with each kind of token, what each may see, and signing out. */
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('login', () => {
  it('refuses a wrong token and stays on the login page', async () => {
    const { page, problems, close } = await openPage(browser, inject('baseUrl'));
    try {
      await page.goto('/login');
      await page.getByLabel('Token').fill('flk_not-a-real-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.context().cookies()).toEqual([]);
      // The refused form answers 401, which the browser logs; nothing else may be logged.
      expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
    } finally {
      await close();
    }
  });

  it('sends a visitor without a session to the login page, then back where they were going', async () => {
    const { page, close } = await openPage(browser, inject('baseUrl'));
    try {
      await page.goto('/projects/demo/flaky?status=all');
      expect(new URL(page.url()).pathname).toBe('/login');
      await logIn(page, inject('adminToken'), 'here');
      const url = new URL(page.url());
      expect(url.pathname + url.search).toBe('/projects/demo/flaky?status=all');
    } finally {
      await close();
    }
  });

  it('an admin session sees every project; its cookie is HTTP-only and SameSite=Lax', async () => {
    const { page, context, problems, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('adminToken'));
      expect(new URL(page.url()).pathname).toBe('/');
      await expect.poll(() => page.locator('main').textContent()).toContain('Demo shop');
      expect(await page.locator('main').textContent()).toContain('Other team');
      expect(await page.locator('.sidebar .identity').textContent()).toContain('Admin');
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'flk_session', httpOnly: true, sameSite: 'Lax' });
      expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000);
      // The browser's own API calls (same origin) are authorised by the cookie too.
      const api = await page.request.get('/api/v1/projects');
      expect(api.status()).toBe(200);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("a project token sees its own project only: another project's pages are not found", async () => {
    const { page, problems, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('otherToken'));
      // Its only project opens directly.
      expect(new URL(page.url()).pathname).toBe(`/projects/${inject('otherSlug')}`);
      expect(await page.locator('.sidebar .identity').textContent()).toContain('Other team');
      const options = await page.locator('#project-select-side option').allTextContents();
      expect(options).toEqual(['Other team']);
      const { flakyTestId, shardedRunId } = await demoIds();
      for (const path of [
        '/projects/demo',
        '/projects/demo/flaky',
        `/tests/${flakyTestId}`,
        `/runs/${shardedRunId}`,
      ]) {
        const response = await page.goto(path);
        expect(response?.status(), path).toBe(404);
        expect(await page.locator('h1').textContent()).toBe('Not found');
        expect(await page.content()).not.toContain('Demo shop');
      }
      expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
    } finally {
      await close();
    }
  });

  it('logging out ends the session: pages send to login and the old cookie is refused', async () => {
    const { page, context, close } = await openPage(browser, inject('baseUrl'));
    try {
      await logIn(page, inject('demoToken'));
      expect(new URL(page.url()).pathname).toBe('/projects/demo');
      const [cookie] = await context.cookies();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => url.pathname === '/login');
      expect(await context.cookies()).toEqual([]);
      await page.goto('/projects/demo');
      expect(new URL(page.url()).pathname).toBe('/login');
      const replay = await fetch(`${inject('baseUrl')}/api/v1/projects`, {
        headers: { cookie: `flk_session=${cookie?.value}` },
      });
      expect(replay.status).toBe(401);
      const page2 = await fetch(`${inject('baseUrl')}/projects/demo`, {
        headers: { cookie: `flk_session=${cookie?.value}` },
        redirect: 'manual',
      });
      expect(page2.status).toBe(303);
      expect(page2.headers.get('location')).toMatch(/^\/login/);
    } finally {
      await close();
    }
  });

  it('no project data is readable without a session or token', async () => {
    const base = inject('baseUrl');
    for (const path of ['/api/v1/projects', '/api/v1/projects/demo/flaky-tests']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }
    const page = await fetch(`${base}/projects/demo`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(await readApi('/projects')).toBeTruthy();
  });
});
