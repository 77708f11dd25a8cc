import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import {
  Ledger,
  noon,
  placeAt as placeReport,
  testKey,
  type RawReport,
  type Window,
} from '../../test/flakiness-reference.ts';
import {
  committed,
  generate,
  generateOutage,
  TrackedProject,
} from '../../test/flakiness-scenario.ts';

/**
 * Flaky states over time and the window: resolution after RESOLVE_AFTER_RUNS clean runs and
 * re-activation, commit flakes in either order, replaced shards, a run tipped in and out of the
 * mass-failure guard, FLAKE_THRESHOLD and FLAKE_WINDOW_DAYS. Compared with the reference.
 */

let t: TestApp;
const reports = committed() as ReturnType<typeof committed> &
  Record<'alphaPass' | 'betaPass' | 'outage' | 'onePass' | 'oneFail', RawReport>;
/** alpha's "always fails" alone, passing or failing. */
const alone = ['--project=alpha', '--grep', 'always fails', '--retries=0'];
beforeAll(async () => {
  t = await startTestApp({ env: { RESOLVE_AFTER_RUNS: '3' } });
  [reports.alphaPass, reports.betaPass, reports.outage, reports.onePass, reports.oneFail] =
    await Promise.all([
      generate(['--project=alpha'], { FLK_ALL_PASS: '1' }),
      generate(['--project=beta'], { FLK_ALL_PASS: '1' }),
      generateOutage(),
      generate(alone, { FLK_ALL_PASS: '1' }),
      generate(alone, {}),
    ]);
}, 300_000);
afterAll(async () => {
  await t?.close();
});

const flaky = testKey('alpha', 'basics.spec.ts', ['flaky on first attempt']);
const fails = testKey('beta', 'basics.spec.ts', ['always fails']);
const alphaFails = testKey('alpha', 'basics.spec.ts', ['always fails']);
const main = (commit: string, pipeline: string, shard?: string) => ({
  branch: 'main',
  commit,
  pipeline,
  job: 'e2e',
  ...(shard ? { shard } : {}),
});

type Item = Record<string, unknown> & { testId: string };
const list = (p: TrackedProject, status: string) =>
  p.get<{ items: Item[] }>(`/api/v1/projects/${p.project.id}/flaky-tests?status=${status}`);
const detail = (p: TrackedProject, key: string, days?: number) =>
  p.get<{ stats: Item | null }>(`/api/v1/tests/${p.ids.get(key)}${days ? `?days=${days}` : ''}`);

/** The lists, the stats' flaky counts, and the upload answers all agree with the reference. */
async function expectStates(p: TrackedProject) {
  for (const status of ['active', 'resolved', 'all'] as const) {
    expect((await list(p, status)).items, status).toEqual(p.expectedList({ days: 30 }, { status }));
  }
  const stats = await p.get<{ activeFlaky: number; fixedThisWeek: number }>(
    `/api/v1/projects/${p.project.id}/stats`,
  );
  const states = [...p.ledger.states().values()];
  expect(stats).toMatchObject({
    activeFlaky: states.filter((s) => s.status === 'active').length,
    fixedThisWeek: states.filter((s) => s.status === 'resolved').length, // all resolved this week
  });
  for (const { expected, answer } of p.answers) {
    const sorted = {
      ...answer.flaky,
      newlyDetected: [...answer.flaky.newlyDetected].sort((a, b) => +a - +b),
    };
    expect({ flaky: sorted, quarantine: answer.quarantine }).toEqual(p.expectedAnswer(expected));
  }
}

/** Every test's counters (not its state) over the window, as if each part had been uploaded once. */
async function expectCounters(p: TrackedProject, w: Window = { days: 30 }) {
  for (const key of p.ids.keys()) {
    const { stats } = await detail(p, key, w.days);
    const {
      status: _s,
      firstDetectedAt: _f,
      lastFlakyAt: _l,
      resolvedAt: _r,
      ...counters
    } = p.expectedItem(key, w);
    expect(stats, key).toMatchObject(counters);
  }
  const stats = await p.get<Record<string, number>>(
    `/api/v1/projects/${p.project.id}/stats?days=${w.days}`,
  );
  const totals = [...p.ledger.counts(w, 'day').values()].reduce(
    (s, c) => ({
      runs: s.runs + c.runs,
      flakyRuns: s.flakyRuns + c.flakyRuns,
      failedRuns: s.failedRuns + c.failedRuns,
      commitFlakes: s.commitFlakes + c.commitFlakes,
      skippedRuns: s.skippedRuns + c.skippedRuns,
      wastedMs: s.wastedMs + c.wastedMs,
    }),
    { runs: 0, flakyRuns: 0, failedRuns: 0, commitFlakes: 0, skippedRuns: 0, wastedMs: 0 },
  );
  expect(stats).toMatchObject(totals);
}

describe('resolution', () => {
  it('resolves after RESOLVE_AFTER_RUNS clean runs, not one earlier, and re-activates', async () => {
    const p = await TrackedProject.create(t, new Ledger({ resolveAfterRuns: 3 }));
    await p.send(placeAt(reports.basic, 6), main('c1', 'p1'));
    await p.send(placeAt(reports.pass, 5), main('c2', 'p2'));
    await p.send(placeAt(reports.pass, 4), main('c3', 'p3'));
    await expectStates(p);
    expect((await list(p, 'active')).items).toHaveLength(4);

    await p.send(placeAt(reports.pass, 3), main('c4', 'p4'));
    await expectStates(p);
    expect((await detail(p, flaky)).stats).toMatchObject({
      status: 'resolved',
      firstDetectedAt: noon(6).toISOString(),
      lastFlakyAt: noon(6).toISOString(),
      resolvedAt: noon(3).toISOString(),
    });
    const quarantine = await p.get<{ items: unknown[]; grepInvert: string | null }>(
      `/api/v1/projects/${p.project.id}/quarantine`,
    );
    expect(quarantine).toMatchObject({ items: [], grepInvert: null });

    await p.send(placeAt(reports.basic, 2), main('c5', 'p5'));
    await expectStates(p);
    expect(p.answers[4]?.answer.flaky).toMatchObject({ activeCount: 4 });
    expect(p.answers[4]?.answer.flaky.newlyDetected).toHaveLength(4);
    expect((await detail(p, flaky)).stats).toMatchObject({
      status: 'active',
      firstDetectedAt: noon(6).toISOString(),
      lastFlakyAt: noon(2).toISOString(),
      resolvedAt: null,
    });
  });

  // Fails: ingest-report.ts subtracts a replaced part's counters but updateFlakyStates
  // (flaky-state.ts) is applied to the replacement as to a new run, so the replaced shard's clean
  // results advance clean_streak a second time and the test resolves one run early.
  it('counts a replaced shard once towards resolution', async () => {
    const p = await TrackedProject.create(t, new Ledger({ resolveAfterRuns: 3 }));
    await p.send(placeAt(reports.basic, 6), main('c1', 'p1'));
    await p.send(placeAt(reports.pass, 5), main('c2', 'p2'));
    const retried = placeAt(reports.pass, 4);
    await p.send(retried, main('c3', 'p3', '1/1'));
    await p.send(
      { ...retried, stats: { ...retried.stats, duration: retried.stats.duration + 1 } },
      main('c3', 'p3', '1/1'),
    );
    await expectCounters(p);
    expect((await detail(p, flaky)).stats).toMatchObject({ runs: 3, flakyRuns: 1 });
    await expectStates(p);
  });
});

describe('commit flakes', () => {
  it('are counted whichever result of the commit comes first', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.basic, 3), main('c1', 'p1')); // always fails fails…
    await p.send(placeAt(reports.pass, 3, 3600), main('c1', 'p2')); // …and passes on a re-run
    await expectCounters(p);
    await expectCounters(p, { days: 7 });
    expect((await detail(p, fails)).stats).toMatchObject({
      runs: 2,
      failedRuns: 1,
      commitFlakes: 1,
      flakeRate: 0.5,
    });
  });

  it('are counted when the failure comes after the pass, from the stored passing result', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.pass, 3), main('c1', 'p1')); // always fails passes…
    await p.send(placeAt(reports.basic, 3, 3600), main('c2', 'p2')); // (another commit)
    await p.send(placeAt(reports.basic, 2), main('c1', 'p3')); // …and fails on a re-run of c1
    await expectCounters(p);
    await expectCounters(p, { days: 7 });
    expect((await detail(p, fails)).stats).toMatchObject({
      runs: 3,
      failedRuns: 2,
      commitFlakes: 1,
    });
    await expectStates(p);
  });

  it('are counted once per commit, however many re-runs pass and fail', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.pass, 3), main('c1', 'p1'));
    await p.send(placeAt(reports.basic, 3, 60), main('c1', 'p2'));
    await p.send(placeAt(reports.pass, 3, 120), main('c1', 'p3'));
    await p.send(placeAt(reports.basic, 3, 180), main('c1', 'p4'));
    await expectCounters(p);
    expect((await detail(p, fails)).stats).toMatchObject({ runs: 4, commitFlakes: 1 });
  });

  it('are taken back, on the day they were counted, when the shard that made them is replaced', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.basic, 5), main('c1', 'p1')); // always fails fails on day −5…
    await p.send(placeAt(reports.pass, 3, 3600), main('c1', 'p2', '1/1')); // …passes on day −3
    expect((await detail(p, fails)).stats).toMatchObject({ commitFlakes: 1 });
    // The re-run's shard uploaded again, now failing too: the commit is no longer a flake.
    await p.send(placeAt(reports.basic, 2, 7200), main('c1', 'p2', '1/1'));
    await expectCounters(p);
    await expectCounters(p, { days: 4 });
    expect((await detail(p, fails)).stats).toMatchObject({ commitFlakes: 0, failedRuns: 2 });
  });

  // Fails: flaky-state.ts marks a commit flake as a flaky event only on an 'unexpected' result
  // (`commitFlake: … && result.outcome === 'unexpected'`, and the `withEvents` filter), so when
  // the passing re-run is the result that makes the commit flaky, the test is never evaluated:
  // it stays out of the flaky list with commitFlakes 1 and flakeRate 0.5.
  it('make the test flaky when the passing re-run comes second', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.basic, 3), main('c1', 'p1'));
    await p.send(placeAt(reports.pass, 3, 3600), main('c1', 'p2'));
    expect(p.answers[1]?.expected.newlyDetected).toEqual(
      [fails, testKey('alpha', 'basics.spec.ts', ['always fails'])].sort(),
    );
    expect((await detail(p, fails)).stats).toMatchObject({
      status: 'active',
      firstDetectedAt: noon(3, 3600).toISOString(),
      lastFlakyAt: noon(3, 3600).toISOString(),
    });
    await expectStates(p);
  });
});

describe('shards and the mass-failure guard', () => {
  it('counts a shard replaced by a report with other outcomes as if only the replacement was uploaded', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.shard1, 4), main('c1', 'p1'));
    await p.send(placeAt(reports.shard2, 4, 10), main('c1', 'p1'));
    await p.send(placeAt(reports.alphaPass, 4, 20), main('c1', 'p1', '1/2'));
    expect(p.answers[2]?.answer.run).toMatchObject({ id: p.answers[0]?.answer.run.id, parts: 2 });
    await expectCounters(p);
    expect((await detail(p, flaky)).stats).toMatchObject({ runs: 1, flakyRuns: 0, wastedMs: 0 });
    const history = await p.get<{ items: { outcome: string }[] }>(
      `/api/v1/tests/${p.ids.get(flaky)}/history`,
    );
    expect(history.items.map((i) => i.outcome)).toEqual(['expected']);
  });

  it('leaves an outage out of every statistic, until another shard brings the run under the guard', async () => {
    const p = await TrackedProject.create(t);
    const outage = await p.send(placeAt(reports.outage, 3), main('c1', 'p1', '1/2'));
    expect(outage.run.excludedFromStats).toBe(true);
    expect(outage.flaky).toEqual({ inRun: [], newlyDetected: [], activeCount: 0 });
    expect(outage.quarantine.allFailuresQuarantined).toBe(false);
    const stats = await p.get<Record<string, number>>(`/api/v1/projects/${p.project.id}/stats`);
    expect(stats).toMatchObject({ totalTests: 0, runs: 0, failedRuns: 0, skippedRuns: 0 });
    const failing = testKey('alpha', 'basics.spec.ts', ['passes with output and steps']);
    const history = await p.get<{ items: unknown[] }>(
      `/api/v1/tests/${p.ids.get(failing)}/history`,
    );
    expect(history.items).toEqual([
      expect.objectContaining({ outcome: 'unexpected', excludedFromStats: true }),
    ]);

    // The beta shard: 9 failures among 21 tests that ran is no outage; both parts count.
    const whole = await p.send(placeAt(reports.betaPass, 3, 60), main('c1', 'p1', '2/2'));
    expect(whole.run).toMatchObject({ id: outage.run.id, excludedFromStats: false, parts: 2 });
    expect(p.ledger.parts(true)).toHaveLength(2);
    await expectCounters(p);
    await expectStates(p);
    expect((await detail(p, failing)).stats).toMatchObject({ runs: 1, failedRuns: 1 });
  });

  it('counts each part of a run rejoining the statistics once towards commit flakes', async () => {
    const p = await TrackedProject.create(t);
    // An outage with alpha's "always fails" failing, then that test alone passing: 9 failures in
    // 11 results keep the run out of the statistics.
    await p.send(placeAt(reports.outage, 3), main('c1', 'p1', '1/3'));
    const still = await p.send(placeAt(reports.onePass, 3, 60), main('c1', 'p1', '2/3'));
    expect(still.run.excludedFromStats).toBe(true);
    // The beta shard brings it back: both earlier parts are counted again, the failing one first.
    const back = await p.send(placeAt(reports.betaPass, 3, 120), main('c1', 'p1', '3/3'));
    expect(back.run.excludedFromStats).toBe(false);
    await expectCounters(p);
    expect((await detail(p, alphaFails)).stats).toMatchObject({ runs: 2, commitFlakes: 1 });
    // The passing part, uploaded again failing: no pass left on the commit, no flake.
    await p.send(placeAt(reports.oneFail, 3, 60), main('c1', 'p1', '2/3'));
    await expectCounters(p);
    expect((await detail(p, alphaFails)).stats).toMatchObject({ runs: 2, commitFlakes: 0 });
  });
});

describe('FLAKE_THRESHOLD and FLAKE_WINDOW_DAYS', () => {
  it('activates a test only from the threshold, counting over the configured window', async () => {
    const other = await startTestApp({ env: { FLAKE_THRESHOLD: '0.6', FLAKE_WINDOW_DAYS: '7' } });
    try {
      const p = await TrackedProject.create(other, new Ledger({ threshold: 0.6, windowDays: 7 }));
      await p.send(placeAt(reports.pass, 10), main('c0', 'p0')); // outside the 7-day window
      await p.send(placeAt(reports.pass, 5), main('c1', 'p1'));
      await p.send(placeAt(reports.basic, 4), main('c2', 'p2')); // 1 flaky in 2: under 0.6
      expect((await detail(p, flaky)).stats).toMatchObject({
        runs: 2,
        flakeRate: 0.5,
        status: null,
      });
      expect((await detail(p, flaky, 30)).stats).toMatchObject({ runs: 3, flakeRate: 1 / 3 });
      expect((await list(p, 'all')).items).toEqual([]);
      await p.send(placeAt(reports.basic, 3), main('c3', 'p3')); // 2 in 3
      await expectCounters(p, { days: 7 });
      await expectCounters(p, { days: 30 });
      for (const status of ['active', 'all'] as const) {
        expect((await list(p, status)).items).toEqual(p.expectedList({ days: 7 }, { status }));
      }
      expect((await detail(p, flaky)).stats).toMatchObject({
        status: 'active',
        firstDetectedAt: noon(3).toISOString(),
      });
      const stats = await p.get<{ days: number; trend: unknown[] }>(
        `/api/v1/projects/${p.project.id}/stats`,
      );
      expect(stats.days).toBe(7);
      expect(stats.trend).toHaveLength(7);
    } finally {
      await other.close();
    }
  });

  it('rebuilds the window counters from the daily aggregates when FLAKE_WINDOW_DAYS changes', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'flackyness-window-'));
    try {
      const before = await startTestApp({ dataDir });
      const p = await TrackedProject.create(before);
      await p.send(placeAt(reports.basic, 12), main('c1', 'p1'));
      await p.send(placeAt(reports.pass, 10), main('c2', 'p2'));
      await p.send(placeAt(reports.basic, 2), main('c3', 'p3'));
      await expectCounters(p);
      await before.close();
      // The same database, now with a 7-day window: the days before it leave the counters.
      const after = await startTestApp({ dataDir, env: { FLAKE_WINDOW_DAYS: '7' } });
      try {
        const reopened = p.through(after);
        await expectCounters(reopened, { days: 7 });
        expect((await detail(reopened, flaky)).stats).toMatchObject({
          runs: 1,
          flakyRuns: 1,
          flakeRate: 1,
        });
        const items = (await list(reopened, 'all')).items;
        expect(items).toEqual(reopened.expectedList({ days: 7 }, { status: 'all' }));
      } finally {
        await after.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function placeAt(report: RawReport, daysAgo: number, seconds = 0): RawReport {
  return placeReport(report, noon(daysAgo, seconds));
}
