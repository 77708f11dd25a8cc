/* eslint-disable no-empty-pattern -- Playwright requires a destructured fixtures argument; these tests need no fixture */
import { expect, test } from '@playwright/test';
import { flakesNow } from '../chance.ts';
import { cartTotalCents, catalogue, shippingCents, type CartLine } from '../shop.ts';

test.describe('cart', () => {
  test('adds a product', async () => {
    const lines: CartLine[] = [];
    lines.push({ sku: 'HL-040', quantity: 1 });
    expect(cartTotalCents(lines)).toBe(3_490);
  });

  test('removes the last product', async () => {
    const lines: CartLine[] = [{ sku: 'HL-040', quantity: 1 }];
    lines.pop();
    expect(lines).toHaveLength(0);
  });

  test('updates the mini-cart badge', async ({}, testInfo) => {
    // The badge reads the count before the cart API answers the third add.
    const added = flakesNow(testInfo, { rate: 0.1 }) ? 2 : 3;
    expect(String(added)).toBe('3');
  });

  test('merges the guest cart on sign in', async () => {
    const guest: CartLine[] = [{ sku: 'TS-002', quantity: 1 }];
    const account: CartLine[] = [{ sku: 'TS-002', quantity: 2 }];
    const merged = [...guest, ...account].reduce((sum, line) => sum + line.quantity, 0);
    console.log(`merged cart: ${merged} items`);
    expect(merged).toBe(3);
  });

  test('limits quantity to stock', async () => {
    const backpack = catalogue.find((p) => p.sku === 'BP-020');
    expect(Math.min(10, backpack?.stock ?? 0)).toBe(7);
  });

  test('keeps items after a currency switch', async () => {
    test.fail(true, 'https://gitlab.example.com/acme/shop/-/issues/311');
    const eurCents = cartTotalCents([{ sku: 'BT-030', quantity: 1 }]);
    const chfCents = Math.round(eurCents * 0.96);
    // Known bug: prices are converted but the cart is emptied.
    expect({ items: 0, totalCents: chfCents }).toEqual({ items: 1, totalCents: chfCents });
  });

  test('applies free shipping above 50 EUR', async () => {
    expect(shippingCents(5_000, 'DE')).toBe(0);
  });
});
