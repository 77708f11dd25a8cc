/* eslint-disable no-empty-pattern -- Playwright requires a destructured fixtures argument; these tests need no fixture */
import { expect, test } from '@playwright/test';
import { flakesNow } from '../chance.ts';
import { catalogue, searchProducts } from '../shop.ts';

test.describe('search', () => {
  test('finds products by name', async () => {
    expect(searchProducts('running').map((p) => p.sku)).toEqual(['TS-001', 'TS-002']);
  });

  test('suggests products while typing', async ({}, testInfo) => {
    // Firefox fires the input event before the debounce timer is reset: an empty list shows.
    const suggestions = flakesNow(testInfo, { rate: 0.2, onlyIn: 'firefox' })
      ? []
      : searchProducts('r');
    expect(suggestions).toHaveLength(4);
  });

  test('filters by price range', async () => {
    const inRange = catalogue.filter((p) => p.priceCents >= 2_000 && p.priceCents <= 10_000);
    expect(inRange).toHaveLength(3);
  });

  test('filters by availability in store', async ({}, testInfo) => {
    test.skip(testInfo.project.name === 'firefox', 'store locator needs geolocation');
    expect(catalogue.filter((p) => p.stock > 0)).toHaveLength(5);
  });

  test('sorts by newest first', async () => {
    const newest = [...catalogue].sort((a, b) => b.addedOn.localeCompare(a.addedOn));
    expect(newest[0]?.name).toBe('Water bottle');
  });

  test('shows an empty state for no results', async () => {
    console.log('search "kayak" -> 0 results');
    expect(searchProducts('kayak')).toEqual([]);
  });

  test('keeps the query in the URL', async () => {
    const url = new URL('https://shop.example.com/search?q=rain+jacket');
    expect(url.searchParams.get('q')).toBe('rain jacket');
  });
});
