import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { runPlaywright } from '../../test/fixtures/reports.ts';
import { resultsOf, testKey, type RawReport, type Window } from '../../test/flakiness-reference.ts';
import {
  query,
  sameDay,
  uploadHistory,
  type TrackedProject,
} from '../../test/flakiness-scenario.ts';

/**
 * The same history as flakiness.db.test.ts (uploadHistory), read through a test's detail and
 * history, the errors grouped by signature and the quarantine, compared with the reference.
 */

let t: TestApp;
let p: TrackedProject;
beforeAll(async () => {
  t = await startTestApp();
  p = await uploadHistory(t);
}, 300_000);
afterAll(async () => {
  await t?.close();
});

const deep = testKey('alpha', 'nested/deep.spec.ts', ['outer @regression', 'inner', 'deep test']);
const fails = testKey('beta', 'basics.spec.ts', ['always fails']);
const expectedToFail = testKey('alpha', 'basics.spec.ts', ['expected to fail']);

/** The same test in the other Playwright projects, with their figures as the reference has them. */
function expectedSiblings(key: string, w: Window) {
  const [projectName, file, titlePath] = JSON.parse(key) as [string, string, string[]];
  return [...p.ids.keys()]
    .filter((other) => {
      const [name, otherFile, otherPath] = JSON.parse(other) as [string, string, string[]];
      return (
        name !== projectName &&
        otherFile === file &&
        JSON.stringify(otherPath) === JSON.stringify(titlePath)
      );
    })
    .map((other) => p.expectedItem(other, w))
    .sort((a, b) => (a.projectName < b.projectName ? -1 : 1))
    .map((item) => ({
      testId: item.testId,
      projectName: item.projectName,
      runs: item.runs,
      flakyRuns: item.flakyRuns,
      failedRuns: item.failedRuns,
      flakeRate: item.flakeRate,
      flakeRateLow: item.flakeRateLow,
      flakeRateHigh: item.flakeRateHigh,
      status: item.status,
    }));
}

describe('GET /tests/:testId', () => {
  it('gives every test, flaky or not, its statistics over each window', async () => {
    for (const w of [
      { days: 30 },
      { days: 7, branch: 'feature/cart' },
      { days: 365 },
      { days: 30, branch: 'main' },
    ]) {
      for (const [key, id] of p.ids) {
        const { detail, expected } = await sameDay(async () => ({
          detail: await p.get<{
            test: unknown;
            stats: unknown;
            reason: { flakyRuns: unknown[]; commitFlakes: unknown[] };
          }>(`/api/v1/tests/${id}?${query(w)}`),
          expected: p.expectedItem(key, w),
        }));
        const info = p.ledger.info.get(key);
        const { reason } = detail;
        // The reason lists (up to 10 of) the flaky results and commit flakes the figures count.
        expect(reason.flakyRuns).toHaveLength(Math.min(10, expected.flakyRuns));
        expect(reason.commitFlakes).toHaveLength(Math.min(10, expected.commitFlakes));
        expect(detail, `${key} ${JSON.stringify(w)}`).toEqual({
          test: expect.objectContaining({
            id,
            projectId: p.project.id,
            title: info?.title,
            titlePath: info?.titlePath,
            file: info?.file,
            projectName: info?.projectName,
          }),
          days: w.days,
          branch: w.branch ?? null,
          stats: expected,
          siblings: expectedSiblings(key, w),
          reason: expect.any(Object),
        });
      }
    }
  });
});

describe('GET /tests/:testId/history', () => {
  const windows: Window[] = [
    { days: 30 },
    { days: 365 },
    { days: 30, branch: 'feature/cart' },
    { days: 7 },
  ];

  async function readHistory(key: string, w: Window): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const extra = { limit: '4', ...(cursor ? { cursor } : {}) };
      const page: { items: Record<string, unknown>[]; nextCursor: string | null } = await p.get(
        `/api/v1/tests/${p.ids.get(key)}/history?${query(w, extra)}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null && items.length <= 100);
    return items;
  }

  it('lists the results newest first, with the outage and, over 365 days, the old run', async () => {
    for (const key of [deep, fails, expectedToFail]) {
      for (const w of windows) {
        const expected = p.ledger.history(key, w).map(({ part, result: r }) => {
          const runId = p.runIds.get(part.run.key) as string;
          return {
            runId,
            startedAt: part.startedAt.toISOString(),
            repeatIndex: 0,
            outcome: r.outcome,
            expectedStatus: r.expectedStatus,
            attempts: r.attempts,
            finalStatus: r.finalStatus,
            durationMs: r.durationMs,
            failedDurationMs: r.failedDurationMs,
            // A test.fail() test's expected failure keeps its message but has no signature.
            error:
              r.errorMessage === null
                ? null
                : {
                    message: r.errorMessage,
                    signature: r.outcome === 'expected' ? null : expect.any(String),
                  },
            branch: part.run.branch,
            commit: part.run.commit,
            runStatus: p.ledger.runStatus(part.run.key),
            excludedFromStats: p.ledger.excluded(part.run),
            ciRunUrl: null,
            url: `http://flackyness.test/runs/${runId}`,
          };
        });
        const items = (await readHistory(key, w)).map(
          ({ attemptDetails: _a, annotations: _n, ...item }) => item,
        );
        expect(items, `${key} ${JSON.stringify(w)}`).toEqual(expected);
      }
    }
    const history = (w: Window) => p.ledger.history(deep, w);
    expect(history({ days: 365 }).length - history({ days: 30 }).length).toBe(1);
    expect(history({ days: 30 }).filter((h) => p.ledger.excluded(h.part.run))).toHaveLength(1);
  });

  it('keeps the annotations of each result, and the attempts of a retried or failed one', async () => {
    for (const key of [deep, fails, expectedToFail]) {
      const expected = p.ledger.history(key, { days: 365 }).map(({ result: r }) =>
        r.attempts > 1 || r.errorMessage !== null
          ? r.attemptList.map((a) => ({
              ...a,
              error: a.error === null ? null : expect.objectContaining({ message: a.error }),
            }))
          : null,
      );
      const items = await readHistory(key, { days: 365 });
      expect(
        items.map((i) => i.attemptDetails),
        key,
      ).toEqual(expected);
      const annotations = p.ledger
        .history(key, { days: 365 })
        .map(({ result }) => result.annotations);
      expect(
        items.map((i) => i.annotations),
        key,
      ).toEqual(annotations);
    }
  });
});

describe('GET /projects/:project/errors', () => {
  it('groups the failures and retried failures, not expected failures, by signature', async () => {
    for (const days of [30, 7, 365]) {
      type Group = {
        signature: string;
        message: string;
        failures: number;
        sampleTests: { testId: string }[];
      };
      const page = await p.get<{ items: Group[]; nextCursor: null }>(
        `/api/v1/projects/${p.project.id}/errors?${days === 30 ? '' : `days=${days}`}`,
      );
      const order = (
        a: { failures: number; message: string },
        b: { failures: number; message: string },
      ) => b.failures - a.failures || a.message.localeCompare(b.message);
      const expected = p.ledger.errorGroups(days).sort(order);
      const actual = [...page.items].sort(order);
      expect(actual.map(({ signature: _s, sampleTests: _t, ...g }) => g)).toEqual(
        expected.map(({ keys: _k, ...g }) => g),
      );
      expect(new Set(actual.map((g) => g.signature)).size).toBe(actual.length);
      actual.forEach((g, i) => {
        const groupIds = new Set(expected[i]?.keys.map((k) => p.ids.get(k)));
        expect(g.sampleTests).toHaveLength(Math.min(5, groupIds.size));
        for (const s of g.sampleTests) expect(groupIds.has(s.testId)).toBe(true);
      });
      // Most frequent first.
      expect(page.items.map((g) => g.failures)).toEqual(actual.map((g) => g.failures));
      expect(page.items.some((g) => g.message.includes('a different title'))).toBe(false);
      expect(page.nextCursor).toBeNull();
    }
    // The assertion failures and the timeouts.
    expect(p.ledger.errorGroups(30)).toHaveLength(2);
  });
});

describe('GET /projects/:project/quarantine', () => {
  it('lists the active flaky tests with a --grep-invert pattern that Playwright honours', async () => {
    const body = await p.get<{ items: unknown[]; nextCursor: null; grepInvert: string }>(
      `/api/v1/projects/${p.project.id}/quarantine`,
    );
    const active = p.expectedList({ days: 30 }).sort((a, b) => {
      const order = (i: typeof a) =>
        [i.file, ...i.titlePath, '\u0000', i.projectName].join('\u0001');
      return order(a) < order(b) ? -1 : 1;
    });
    expect(body.items).toEqual(
      active.map((i) => ({
        testId: i.testId,
        title: i.title,
        titlePath: i.titlePath,
        file: i.file,
        projectName: i.projectName,
        flakeRate: i.flakeRate,
        firstDetectedAt: i.firstDetectedAt,
        lastFlakyAt: i.lastFlakyAt,
      })),
    );
    expect(body.nextCursor).toBeNull();

    // The real runner lists every test of the fixture project but the quarantined ones.
    const listed = await runPlaywright(['test', '--list', '--grep-invert', body.grepInvert]);
    await rm(listed.dir, { recursive: true, force: true });
    const left = resultsOf(listed.report as RawReport).map((r) => r.key);
    const quarantined = new Set(active.map((i) => testKey(i.projectName, i.file, i.titlePath)));
    expect(left.sort()).toEqual([...p.ids.keys()].filter((k) => !quarantined.has(k)).sort());
    expect(left).toHaveLength(28 - 8);
  });
});
