import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, startTestApp, uploadReport, type TestApp } from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { placeAt, type RawReport } from '../../test/flakiness-reports.ts';

/**
 * Flip rates come from a cache keyed by the project's results version: each upload changes them
 * at once, and another project's uploads do not.
 */

const basic = loadReport('basic') as RawReport; // "always fails" fails
const allPass = loadReport('all-pass') as RawReport; // and here passes

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** The test's flip rate in its detail (readFlipRates, as the flaky list reads it). */
async function flipRate(token: string, testId: string): Promise<number> {
  const response = await t.request(`/api/v1/tests/${testId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { stats: { flipRate: number } }).stats.flipRate;
}

async function upload(token: string, report: RawReport, at: string): Promise<string> {
  const response = await uploadReport(t, token, placeAt(report, new Date(at)), {
    query: { branch: 'main' },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { run: { id: string } }).run.id;
}

async function alwaysFails(token: string, runId: string): Promise<string> {
  const response = await t.request(`/api/v1/runs/${runId}/results?q=always%20fails`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { items } = (await response.json()) as { items: { testId: string }[] };
  // The same test in each Playwright project: any one of them.
  expect(items.length).toBeGreaterThan(0);
  return (items[0] as { testId: string }).testId;
}

describe('flip rates under the cache', () => {
  it('change with every upload of the project, and only of the project', async () => {
    const a = await createProject(t);
    const b = await createProject(t);
    const day = new Date().toISOString().slice(0, 10);
    await upload(a.token, basic, `${day}T00:01:00.000Z`);
    const runA = await upload(a.token, basic, `${day}T00:02:00.000Z`);
    const runB = await upload(b.token, basic, `${day}T00:02:00.000Z`);

    const aTest = await alwaysFails(a.token, runA);
    const bTest = await alwaysFails(b.token, runB);
    expect(await flipRate(a.token, aTest)).toBe(0);
    // Read again: the same answer (from the cache now).
    expect(await flipRate(a.token, aTest)).toBe(0);

    // Passes at last: unexpected, unexpected, expected is one flip in two pairs.
    await upload(a.token, allPass, `${day}T00:03:00.000Z`);
    expect(await flipRate(a.token, aTest)).toBe(0.5);

    // The other project's numbers are its own.
    expect(await flipRate(b.token, bTest)).toBe(0);
    await upload(b.token, allPass, `${day}T00:04:00.000Z`);
    expect(await flipRate(b.token, bTest)).toBe(1);
    expect(await flipRate(a.token, aTest)).toBe(0.5);
  });
});
