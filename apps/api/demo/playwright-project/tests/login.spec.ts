/* eslint-disable no-empty-pattern -- Playwright requires a destructured fixtures argument; these tests need no fixture */
import { expect, test } from '@playwright/test';
import { demoConditions, flakesNow } from '../chance.ts';

test.describe('login', () => {
  test('signs in with email and password', async () => {
    const session = { user: 'ada@example.com', expiresInSeconds: 3_600 };
    expect(session.expiresInSeconds).toBeGreaterThan(0);
  });

  test('signs in through SSO', async ({}, testInfo) => {
    // Before the fix (FLK_DEMO_PHASE=before-fix) the callback raced the session cookie.
    const racy = demoConditions().phase === 'before-fix';
    const pending = racy && flakesNow(testInfo, { rate: 0.35 });
    await expect
      .poll(() => (pending ? 'pending' : 'authenticated'), { timeout: 300 })
      .toBe('authenticated');
  });

  test('shows an error for a wrong password', async () => {
    const message = 'Email or password is incorrect.';
    expect(message).toContain('incorrect');
  });

  test('locks the account after five failures', async () => {
    let failures = 0;
    for (let i = 0; i < 5; i += 1) failures += 1;
    expect(failures >= 5 ? 'locked' : 'open').toBe('locked');
  });

  test('signs out from every device', async () => {
    const sessions = ['laptop', 'phone'].map((device) => ({ device, revoked: true }));
    expect(sessions.every((s) => s.revoked)).toBe(true);
  });

  test('resets the password by email', async () => {
    const link = 'https://shop.example.com/reset?token=abc123';
    console.log(`reset link sent: ${new URL(link).pathname}`);
    expect(new URL(link).searchParams.get('token')).toHaveLength(6);
  });

  test.skip('signs in with a passkey', async () => {
    expect(true).toBe(true);
  });
});
