import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import {
  noon,
  placeAt as placeReport,
  testKey,
  type RawReport,
  type Window,
} from '../../test/flakiness-reference.ts';
import {
  committed,
  query,
  sameDay,
  TrackedProject,
  withoutExpectedRuns,
} from '../../test/flakiness-scenario.ts';

/**
 * Commit flakes in every scope (DESIGN.md §4): under a branch filter only that branch's results
 * count, and a commit is a flake of a window only when its pass and its failure both lie inside it.
 * A run's parts share one branch and commit: a part contradicting them is refused, a part filling
 * them in makes the run count as if every part had carried them. Every number of the flaky-tests
 * list, the test details and the project stats (with its trend) is compared with the reference.
 */

let t: TestApp;
const reports = committed();
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const fails = testKey('beta', 'basics.spec.ts', ['always fails']);
const alphaFails = testKey('alpha', 'basics.spec.ts', ['always fails']);
const on = (branch: string, commit: string, pipeline: string, shard?: string) => ({
  branch,
  commit,
  pipeline,
  job: 'e2e',
  ...(shard ? { shard } : {}),
});

const windows: Window[] = [
  { days: 30 },
  { days: 2 },
  { days: 4 },
  { days: 7 },
  { days: 60 },
  { days: 365 },
  { days: 30, branch: 'main' },
  { days: 30, branch: 'feature/x' },
  { days: 4, branch: 'main' },
  { days: 60, branch: 'main' },
];

type Item = Record<string, unknown>;
const detail = (p: TrackedProject, key: string, w: Window) =>
  p.get<{ stats: Item | null }>(`/api/v1/tests/${p.ids.get(key)}?${query(w)}`);

/**
 * Every window's flaky-tests list, each test's detail and the project stats, against the
 * reference. `states: false` compares counters only: the flaky states of a replaced shard's
 * first upload, or of a flake found when a part fills in its run's commit, stay as they were.
 */
async function expectScopes(p: TrackedProject, options: { states: boolean }) {
  for (const w of windows) {
    const label = JSON.stringify(w);
    if (options.states) {
      await sameDay(async () => {
        const page = await p.get<{ items: Item[] }>(
          `/api/v1/projects/${p.project.id}/flaky-tests?${query(w, { status: 'all' })}`,
        );
        expect(page.items, label).toEqual(p.expectedList(w, { status: 'all' }));
      });
    }
    for (const key of p.ids.keys()) {
      await sameDay(async () => {
        const { stats } = await detail(p, key, w);
        const { status, firstDetectedAt, lastFlakyAt, resolvedAt, ...counters } = p.expectedItem(
          key,
          w,
        );
        const states = { status, firstDetectedAt, lastFlakyAt, resolvedAt };
        expect(stats, `${key} ${label}`).toEqual(
          options.states ? { ...counters, ...states } : expect.objectContaining(counters),
        );
      });
    }
    await sameDay(async () => {
      const stats = withoutExpectedRuns(
        await p.get(`/api/v1/projects/${p.project.id}/stats?${query(w)}`),
      );
      const { activeFlaky, fixedThisWeek, ...expected } = p.expectedStats(w);
      expect(stats, label).toEqual(
        options.states
          ? { ...expected, activeFlaky, fixedThisWeek }
          : { ...expected, activeFlaky: expect.any(Number), fixedThisWeek: expect.any(Number) },
      );
    });
  }
}

const commitFlakes = async (p: TrackedProject, key: string, w: Window) =>
  (await detail(p, key, w)).stats?.commitFlakes;

describe('commit flakes per branch', () => {
  it('count a pass on one branch and a failure on another for all branches only', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.basic, 3), on('main', 'c1', 'p1')); // always fails fails on main…
    await p.send(placeAt(reports.pass, 3, 3600), on('feature/x', 'c1', 'p2')); // …passes on feature/x
    expect(await commitFlakes(p, fails, { days: 30 })).toBe(1);
    expect(await commitFlakes(p, fails, { days: 30, branch: 'main' })).toBe(0);
    expect(await commitFlakes(p, fails, { days: 30, branch: 'feature/x' })).toBe(0);
    await expectScopes(p, { states: true });

    // A re-run of the commit on main passes: now main has both.
    await p.send(placeAt(reports.pass, 2), on('main', 'c1', 'p3'));
    expect(await commitFlakes(p, fails, { days: 30 })).toBe(1);
    expect(await commitFlakes(p, fails, { days: 30, branch: 'main' })).toBe(1);
    expect(await commitFlakes(p, fails, { days: 30, branch: 'feature/x' })).toBe(0);
    await expectScopes(p, { states: true });
  });
});

describe('commit flakes per window', () => {
  it('count a pass and a failure of one commit only in windows that hold both', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.pass, 40), on('main', 'c1', 'p1'));
    await p.send(placeAt(reports.basic, 2), on('main', 'c1', 'p2'));
    expect(await commitFlakes(p, fails, { days: 30 })).toBe(0);
    expect(await commitFlakes(p, fails, { days: 60 })).toBe(1);
    expect(await commitFlakes(p, fails, { days: 60, branch: 'main' })).toBe(1);
    await expectScopes(p, { states: true });
  });

  it('move back to the earlier day when the shard that moved them is uploaded again', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.basic, 5), on('main', 'c1', 'p1')); // fails on day −5
    await p.send(placeAt(reports.pass, 3), on('main', 'c1', 'p2')); // passes on day −3
    await p.send(placeAt(reports.basic, 1), on('main', 'c1', 'p3', '1/1')); // fails on day −1
    // Latest pass −3, latest failure −1: a flake of every window from day −3 on.
    expect(await commitFlakes(p, fails, { days: 4 })).toBe(1);
    await expectScopes(p, { states: false });

    // The last shard again, passing: the latest failure is back on day −5.
    await p.send(placeAt(reports.pass, 1, 7200), on('main', 'c1', 'p3', '1/1'));
    expect(await commitFlakes(p, fails, { days: 4 })).toBe(0);
    expect(await commitFlakes(p, fails, { days: 7 })).toBe(1);
    await expectScopes(p, { states: false });
  });
});

describe('one run, one set of metadata', () => {
  it('refuses a part whose branch or commit differs from its run’s, storing nothing', async () => {
    const p = await TrackedProject.create(t);
    const first = await p.send(placeAt(reports.shard1, 3), on('main', 'c1', 'p1'));
    await p.sendRefused(placeAt(reports.shard2, 3, 10), on('feature/x', 'c1', 'p1'));
    await p.sendRefused(placeAt(reports.shard2, 3, 10), on('feature/x', 'c2', 'p1'));
    const stored = await p.get<{ run: Item; parts: unknown[] }>(`/api/v1/runs/${first.run.id}`);
    expect(stored.run).toMatchObject({ branch: 'main', commit: 'c1', totals: first.run.totals });
    expect(stored.parts).toHaveLength(1);
    const runs = await p.get<{ items: unknown[] }>(`/api/v1/projects/${p.project.id}/runs`);
    expect(runs.items).toHaveLength(1);
    await expectScopes(p, { states: true });

    // The same part, agreeing (or saying nothing), joins the run.
    const second = await p.send(placeAt(reports.shard2, 3, 10), { pipeline: 'p1', job: 'e2e' });
    expect(second.run).toMatchObject({ id: first.run.id, branch: 'main', commit: 'c1', parts: 2 });
    await expectScopes(p, { states: true });
  });

  it('counts a part that fills in the branch and commit as if every part had carried them', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.shard1, 3), { pipeline: 'p1', job: 'e2e' }); // alpha fails
    const filled = await p.send(placeAt(reports.shard2, 3, 10), on('main', 'c1', 'p1'));
    expect(filled.run).toMatchObject({ branch: 'main', commit: 'c1', parts: 2 });
    await p.send(placeAt(reports.pass, 2), on('main', 'c1', 'p2')); // both pass on c1
    for (const key of [fails, alphaFails]) {
      expect(await commitFlakes(p, key, { days: 30, branch: 'main' })).toBe(1);
    }
    await expectScopes(p, { states: true });
  });

  it('finds the flake a filled-in commit makes with a part uploaded before', async () => {
    const p = await TrackedProject.create(t);
    await p.send(placeAt(reports.shard1, 3), { pipeline: 'p1', job: 'e2e' }); // alpha fails
    await p.send(placeAt(reports.pass, 3, 3600), on('main', 'c1', 'p2')); // passes on c1
    expect(await commitFlakes(p, alphaFails, { days: 30 })).toBe(0);
    await p.send(placeAt(reports.shard2, 3, 10), on('main', 'c1', 'p1'));
    expect(await commitFlakes(p, alphaFails, { days: 30 })).toBe(1);
    expect(await commitFlakes(p, alphaFails, { days: 30, branch: 'main' })).toBe(1);
    await expectScopes(p, { states: false });
  });
});

function placeAt(report: RawReport, daysAgo: number, seconds = 0): RawReport {
  return placeReport(report, noon(daysAgo, seconds));
}
