/* eslint-disable no-empty-pattern -- Playwright requires a destructured fixtures argument; these tests need no fixture */
import { expect, test } from '@playwright/test';
import { flakesNow, hangPast } from '../chance.ts';

test.describe('profile', () => {
  test('updates the display name', async () => {
    const profile = { displayName: 'Ada' };
    profile.displayName = 'Ada Lovelace';
    expect(profile.displayName).toBe('Ada Lovelace');
  });

  test('uploads an avatar', async ({}, testInfo) => {
    // Now and then the image service does not answer before the test's time is up.
    if (flakesNow(testInfo, { rate: 0.05 })) await hangPast(testInfo, 600);
    const avatar = { width: 256, height: 256, type: 'image/webp' };
    console.log(`avatar stored as ${avatar.type}`);
    expect(avatar.width).toBe(avatar.height);
  });

  test('changes the password', async () => {
    const password = 'correct horse battery staple';
    expect(password.length).toBeGreaterThanOrEqual(12);
  });

  test('lists past orders', async () => {
    const orders = [{ id: 10_423 }, { id: 10_398 }, { id: 10_211 }];
    expect(orders.map((o) => o.id)).toEqual([10_423, 10_398, 10_211]);
  });

  test.fixme('exports order history as PDF', async () => {
    expect('application/pdf').toBe('application/pdf');
  });

  test('deletes the account', async () => {
    const confirmation = 'DELETE';
    expect(confirmation).toBe('DELETE');
  });
});
