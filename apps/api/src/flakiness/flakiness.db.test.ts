import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { startDay, type Window } from '../../test/flakiness-reference.ts';
import {
  byId,
  query,
  sameDay,
  uploadHistory,
  withoutExpectedRuns,
  type Sort,
  type TrackedProject,
} from '../../test/flakiness-scenario.ts';

/**
 * A project's history through the real app (see uploadHistory: real Playwright reports over several
 * days and two branches, a re-run of a commit with another outcome, an outage, a re-upload, a
 * replaced shard, a run older than the window). The upload answers, the flaky-tests list and the
 * project statistics are compared, number by number, with the independent reference
 * (test/flakiness-reference.ts). Test detail, history, errors and quarantine: flakiness-reads.
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

interface Item {
  testId: string;
  title: string;
  [key: string]: unknown;
}
type Page = { items: Item[]; nextCursor: string | null };

const windows: Window[] = [
  { days: 30 },
  { days: 7 },
  { days: 365 },
  { days: 30, branch: 'main' },
  { days: 30, branch: 'feature/cart' },
  { days: 7, branch: 'feature/cart' },
];
const flakyTests = (w: Window, extra: Record<string, string> = {}) =>
  p.get<Page>(`/api/v1/projects/${p.project.slug}/flaky-tests?${query(w, extra)}`);

describe('upload answers', () => {
  it('give the run, its flaky tests, the new detections, the active count and the verdict', () => {
    const statuses = p.answers.map((a) => a.status);
    expect(statuses).toEqual(statuses.map((_, i) => (i === 9 ? 200 : 201)));
    // The same bytes again: the same run, unchanged.
    expect(p.answers[9]?.answer.run).toEqual(p.answers[3]?.answer.run);
    // The replaced shard stays one of the run's two parts.
    expect(p.answers[12]?.answer.run).toMatchObject({ id: p.answers[10]?.answer.run.id, parts: 2 });
    expect(p.answers.map((a) => a.answer.run.excludedFromStats)).toEqual(
      statuses.map((_, i) => i === 8),
    );
    for (const [i, { expected, answer }] of p.answers.entries()) {
      const flaky = { ...answer.flaky, newlyDetected: [...answer.flaky.newlyDetected].sort(byId) };
      expect({ flaky, quarantine: answer.quarantine }, `upload ${i}`).toEqual(
        p.expectedAnswer(expected),
      );
    }
  });

  it('agree with what the reports say happened', () => {
    const title = (k: string) => p.ledger.info.get(k)?.title;
    const detected = p.answers.map((a) => [...new Set(a.expected.newlyDetected.map(title))]);
    // Nothing in the old run (outside the window); then by retries, and deep test by its commit.
    expect(detected).toEqual([
      [],
      [],
      ['flaky on first attempt', 'pay'],
      [],
      ['deep test'],
      [],
      [],
      ['sibling test'],
      ...Array.from({ length: 7 }, () => []),
    ]);
    expect(p.answers.map((a) => a.expected.allFailuresQuarantined)).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
  });
});

describe('GET /projects/:project/flaky-tests', () => {
  it('lists the active flaky tests with every counter, rate, interval and date, in each window', async () => {
    for (const w of windows) {
      const { items, expected } = await sameDay(async () => ({
        items: (await flakyTests(w)).items,
        expected: p.expectedList(w),
      }));
      expect(items, JSON.stringify(w)).toEqual(expected);
    }
    const titles = (await flakyTests({ days: 30 })).items.map((i) => i.title).sort();
    expect(titles).toEqual(
      ['deep test', 'flaky on first attempt', 'pay', 'sibling test'].flatMap((x) => [x, x]),
    );
  });

  it('filters by status: active by default, resolved, all', async () => {
    const all = await flakyTests({ days: 30 }, { status: 'all' });
    expect(all).toEqual({
      items: p.expectedList({ days: 30 }, { status: 'all' }),
      nextCursor: null,
    });
    expect(await flakyTests({ days: 30 }, { status: 'resolved' })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await flakyTests({ days: 30 }, { status: 'active' })).items).toEqual(all.items);
  });

  it('pages through every sort and order with limit=1 and nextCursor', async () => {
    for (const sort of ['flakeRate', 'lastSeen', 'title', 'runs'] as Sort[]) {
      for (const order of [undefined, 'asc', 'desc'] as const) {
        for (const w of [{ days: 30 }, { days: 7, branch: 'feature/cart' }]) {
          const expected = p.expectedList(w, { status: 'all', sort, order });
          const seen: Item[] = [];
          let cursor: string | null = null;
          do {
            const extra = {
              status: 'all',
              sort,
              limit: '1',
              ...(order ? { order } : {}),
              ...(cursor ? { cursor } : {}),
            };
            const page: Page = await flakyTests(w, extra);
            expect(page.items.length).toBeLessThanOrEqual(1);
            seen.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor !== null && seen.length <= expected.length);
          expect(seen, `${sort} ${order} ${JSON.stringify(w)}`).toEqual(expected);
        }
      }
    }
    // Titles A→Z by default, numbers highest first.
    const byTitle = p
      .expectedList({ days: 30 }, { status: 'all', sort: 'title' })
      .map((i) => i.title);
    expect(byTitle).toEqual([...byTitle].sort());
  });

  it('searches titles, title paths and files with q, case-insensitively and literally', async () => {
    const searches = [
      'deep',
      'DEEP TEST',
      'checkout flow',
      'serial.spec',
      'nested/',
      'inner deep',
      '%',
      '_',
      'zzz',
    ];
    for (const q of searches) {
      const page = await flakyTests({ days: 30 }, { q, status: 'all' });
      expect(page.items, q).toEqual(p.expectedList({ days: 30 }, { status: 'all', q }));
    }
    expect(
      (await flakyTests({ days: 30 }, { q: 'checkout flow' })).items.map((i) => i.title),
    ).toEqual(['pay', 'pay']);
  });
});

describe('GET /projects/:project/stats', () => {
  it('sums the statistics and the daily trend over each window', async () => {
    for (const w of windows) {
      const { stats, expected } = await sameDay(async () => ({
        stats: withoutExpectedRuns(
          await p.get(`/api/v1/projects/${p.project.slug}/stats?${query(w)}`),
        ),
        expected: p.expectedStats(w),
      }));
      expect(stats, JSON.stringify(w)).toEqual(expected);
    }
  });

  it('counts every test seen in the window, the outage and the old run left out', async () => {
    const stats = await p.get<{
      totalTests: number;
      activeFlaky: number;
      runs: number;
      trend: unknown[];
    }>(`/api/v1/projects/${p.project.id}/stats`);
    expect(stats).toMatchObject({ totalTests: 28, activeFlaky: 8 });
    expect(stats.trend).toHaveLength(30);
    // 28 results per full report, 5 skipped: 11 uploads counted in the window, one of them a
    // 14-test shard twice (replaced), and one alpha-only shard.
    const counted = p.ledger.parts(true).filter((part) => part.day >= startDay(30));
    expect(counted.map((part) => part.results.length)).toEqual([
      28, 28, 28, 28, 28, 28, 28, 14, 14, 28, 14,
    ]);
    expect(stats.runs).toBe(
      counted.flatMap((part) => part.results).filter((r) => r.outcome !== 'skipped').length,
    );
  });
});
