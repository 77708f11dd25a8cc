import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, logIn, openPage, type WatchedPage } from '../browser';
import { readApi } from '../data';

/** The flaky-tests table keeps its view in the URL; a row leads to its test, a test to its runs. */
let browser: Browser;
let watched: WatchedPage;

beforeAll(async () => {
  browser = await launchBrowser();
  watched = await openPage(browser, inject('baseUrl'));
  await logIn(watched.page, inject('adminToken'));
});
afterAll(async () => {
  await watched?.close();
  await browser?.close();
});

const search = () => new URL(watched.page.url()).searchParams;

describe('flaky-tests table', () => {
  it('sorts by a column, keeps the sort on reload, and flips it on a second click', async () => {
    const { page } = watched;
    const rowLinks = () =>
      page
        .locator('tbody td.test > a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    const apiOrder = async (order: 'asc' | 'desc') => {
      const body = await readApi<{ items: { testId: string }[] }>(
        `/projects/demo/flaky-tests?sort=title&order=${order}`,
      );
      return body.items.map((item) => `/tests/${item.testId}`);
    };
    await page.goto('/projects/demo/flaky');
    await page.getByRole('link', { name: 'Test', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'title');
    const ascending = await rowLinks();
    expect(ascending.length).toBeGreaterThan(1);
    expect(ascending).toEqual(await apiOrder('asc'));
    await page.reload();
    expect(await rowLinks()).toEqual(ascending);
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('link', { name: /^Test/ }).click();
    await page.waitForURL((url) => url.searchParams.get('order') === 'desc');
    expect(await rowLinks()).toEqual([...ascending].reverse());
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
  });

  it('filters by status, window and search, each landing in the URL', async () => {
    const { page } = watched;
    await page.goto('/projects/demo/flaky');
    await page.getByLabel('Status').selectOption('all');
    await page.waitForURL((url) => url.searchParams.get('status') === 'all');
    await page.getByLabel('Window').selectOption('14');
    await page.waitForURL((url) => url.searchParams.get('days') === '14');
    expect(search().get('status')).toBe('all');
    await page.getByLabel('Search').fill('checkout');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'checkout');
    const rows = await page.locator('tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.toLowerCase()).toContain('checkout');
    await page.reload();
    expect(await page.getByLabel('Search').inputValue()).toBe('checkout');
    expect(await page.getByLabel('Status').inputValue()).toBe('all');
  });

  it('shows the rows per page the URL asks for', async () => {
    const { page } = watched;
    await page.goto('/projects/demo/flaky?status=all');
    const all = await page.locator('tbody tr').count();
    await page.getByLabel('Rows').selectOption('10');
    await page.waitForURL((url) => url.searchParams.get('limit') === '10');
    expect(await page.locator('tbody tr').count()).toBe(Math.min(10, all));
  });

  it('pages through the runs with a cursor in the URL, and back to the first page', async () => {
    const { page } = watched;
    const runLinks = () =>
      page
        .locator('tbody tr td:first-child > a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    await page.goto('/projects/demo/runs');
    const first = await runLinks();
    expect(first).toHaveLength(50);
    await page.getByRole('link', { name: 'Next page →' }).click();
    await page.waitForURL((url) => url.searchParams.has('cursor'));
    const second = await runLinks();
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((href) => first.includes(href))).toEqual([]);
    await page.reload();
    expect(await runLinks()).toEqual(second);
    await page.getByRole('link', { name: '← First page' }).click();
    await page.waitForURL((url) => !url.searchParams.has('cursor'));
    expect(await runLinks()).toEqual(first);
  });

  it('opens a test from its row, then one of its runs, then filters that run by outcome', async () => {
    const { page, problems } = watched;
    await page.goto('/projects/demo/flaky');
    const link = page.locator('tbody td.test > a').first();
    const title = await link.textContent();
    await link.click();
    await page.waitForURL((url) => url.pathname.startsWith('/tests/'));
    expect(await page.locator('h1').textContent()).toBe(title);
    expect(await page.getByRole('heading', { name: 'Recent results' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Run', exact: true }).first().click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/'));
    expect(await page.getByRole('heading', { name: 'CI context' }).count()).toBe(1);
    await page.getByLabel('Outcome').selectOption('expected');
    await page.waitForURL((url) => url.searchParams.get('outcome') === 'expected');
    const badges = await page.locator('tbody td:first-child .badge').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    expect(new Set(badges)).toEqual(new Set(['expected']));
    expect(problems).toEqual([]);
  });
});
