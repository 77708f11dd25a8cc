import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../test/api-shapes.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { noon, placeAt, type RawReport } from '../../test/flakiness-reports.ts';

/**
 * A test's detail beyond its figures: the same test in the other Playwright projects, the reason
 * it is flagged (its flaky results and commit flakes), and its failures grouped by signature.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const basic = loadReport('basic') as RawReport;
const allPass = loadReport('all-pass') as RawReport;

type Stats = Record<string, unknown>;
interface Detail {
  test: { id: string; projectName: string };
  stats: Stats | null;
  siblings: (Stats & { testId: string; projectName: string })[];
  reason: {
    flakyRuns: {
      runId: string;
      startedAt: string;
      branch: string | null;
      commit: string | null;
      attempts: number;
      url: string;
    }[];
    commitFlakes: {
      commit: string;
      branch: string | null;
      passedRunId: string;
      failedRunId: string;
      lastSeenAt: string;
    }[];
  };
}
interface ErrorGroups {
  items: {
    signature: string;
    message: string;
    failures: number;
    firstSeenAt: string;
    lastSeenAt: string;
    lastRunId: string;
  }[];
  nextCursor: null;
}

/** Every spec test of the report, for edits. */
function eachTest(
  report: RawReport,
  visit: (spec: RawReport['suites'][number]['specs'] & object, i: number) => void,
): void {
  const walk = (suite: RawReport['suites'][number]) => {
    if (suite.specs) for (let i = 0; i < suite.specs.length; i++) visit(suite.specs, i);
    for (const child of suite.suites ?? []) walk(child);
  };
  report.suites.forEach(walk);
}

/** A copy of the report with one Playwright project renamed (a third project, say). */
function renameProject(report: RawReport, from: string, to: string): RawReport {
  const copy = structuredClone(report);
  eachTest(copy, (specs, i) => {
    for (const test of specs[i]?.tests ?? []) if (test.projectName === from) test.projectName = to;
  });
  return copy;
}

/** A copy of the report whose failures of one spec say `message`. */
function withMessage(report: RawReport, title: string, message: string): RawReport {
  const copy = structuredClone(report);
  eachTest(copy, (specs, i) => {
    if (specs[i]?.title !== title) return;
    for (const attempt of specs[i].tests.flatMap((test) => test.results)) {
      if (!attempt.error) continue;
      attempt.error = { message };
      (attempt as { errors?: unknown[] }).errors = [{ message }];
    }
  });
  return copy;
}

async function upload(token: string, report: RawReport, query: Record<string, string>) {
  const response = await uploadReport(t, token, report, { query });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { run: { id: string } }).run.id;
}

async function get<T>(path: string, token: string): Promise<T> {
  const response = await t.request(path, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as T;
}

/** Test ids by "projectName title" from a run's results. */
async function testIds(runId: string, token: string): Promise<Map<string, string>> {
  const { results } = await get<{
    results: { testId: string; title: string; projectName: string }[];
  }>(`/api/v1/runs/${runId}`, token);
  return new Map(results.map((r) => [`${r.projectName} ${r.title}`, r.testId]));
}

const siblingFields = [
  'testId',
  'runs',
  'flakyRuns',
  'failedRuns',
  'flakeRate',
  'flakeRateLow',
  'flakeRateHigh',
  'status',
] as const;
const pick = (stats: Stats) => Object.fromEntries(siblingFields.map((f) => [f, stats[f]]));

describe('GET /api/v1/tests/:testId siblings', () => {
  it('lists the same test in the other Playwright projects, with the figures of their own detail', async () => {
    const { project, token } = await createProject(t);
    const run = await upload(token, placeAt(basic, noon(3)), { branch: 'main', pipeline: '1' });
    await upload(token, placeAt(renameProject(basic, 'beta', 'gamma'), noon(2)), {
      branch: 'feature',
      pipeline: '2',
    });
    await upload(token, placeAt(allPass, noon(1)), { branch: 'main', pipeline: '3' });
    const ids = await testIds(run, token);
    const alpha = ids.get('alpha flaky on first attempt') as string;

    for (const query of ['', '?branch=main', '?days=2', '?branch=feature&days=7']) {
      const detail = await get<Detail>(`/api/v1/tests/${alpha}${query}`, token);
      expect(
        detail.siblings.map((s) => s.projectName),
        query,
      ).toEqual(['beta', 'gamma']);
      for (const sibling of detail.siblings) {
        const own = await get<Detail>(`/api/v1/tests/${sibling.testId}${query}`, token);
        expect(own.test.projectName).toBe(sibling.projectName);
        expect(sibling, `${sibling.projectName}${query}`).toEqual({
          ...pick(own.stats as Stats),
          projectName: sibling.projectName,
        });
      }
    }
    const all = await get<Detail>(`/api/v1/tests/${alpha}`, token);
    // beta: flaky (basic), then passed (all-pass); gamma: flaky once, on feature.
    expect(all.siblings[0]).toMatchObject({ runs: 2, flakyRuns: 1, flakeRate: 0.5 });
    expect(all.siblings[1]).toMatchObject({ runs: 1, flakyRuns: 1, flakeRate: 1 });
    expect(
      (await get<Detail>(`/api/v1/tests/${alpha}?branch=feature`, token)).siblings[0],
    ).toMatchObject({
      projectName: 'beta',
      runs: 0,
      flakeRate: 0,
      flakeRateLow: 0,
      flakeRateHigh: 1,
    });
    // The list and the flaky-tests page agree on a sibling's figures.
    const list = await get<{ items: Stats[] }>(
      `/api/v1/projects/${project.id}/flaky-tests?status=all`,
      token,
    );
    const listed = list.items.find((item) => item.testId === all.siblings[0]?.testId);
    expect(pick(listed as Stats)).toEqual(pick(all.siblings[0] as Stats));
  });

  it('is empty for a test in one Playwright project only', async () => {
    const { token } = await createProject(t);
    const alphaOnly = structuredClone(basic);
    eachTest(alphaOnly, (specs, i) => {
      const spec = specs[i];
      if (spec) spec.tests = spec.tests.filter((test) => test.projectName === 'alpha');
    });
    const run = await upload(token, placeAt(alphaOnly, noon(1)), { branch: 'main' });
    const ids = await testIds(run, token);
    const detail = await get<Detail>(`/api/v1/tests/${ids.get('alpha always fails')}`, token);
    expect(detail.siblings).toEqual([]);
  });
});

describe('GET /api/v1/tests/:testId reason', () => {
  it('lists the latest flaky results in the window and on the branch', async () => {
    const { token } = await createProject(t);
    const runs: { id: string; day: number; branch: string; commit: string }[] = [];
    // 12 flaky runs on main, newest last; one on feature; one outside a 7-day window.
    for (let day = 12; day >= 1; day--) {
      const commit = `c${day}`;
      const id = await upload(token, placeAt(basic, noon(day)), {
        branch: 'main',
        commit,
        pipeline: `m${day}`,
      });
      runs.push({ id, day, branch: 'main', commit });
    }
    const feature = await upload(token, placeAt(basic, noon(0)), {
      branch: 'feature',
      pipeline: 'f',
    });
    const ids = await testIds(feature, token);
    const flaky = ids.get('alpha flaky on first attempt') as string;

    const detail = await get<Detail>(`/api/v1/tests/${flaky}`, token);
    expect(detail.reason.flakyRuns).toHaveLength(10);
    expect(detail.reason.flakyRuns[0]).toEqual({
      runId: feature,
      startedAt: noon(0).toISOString(),
      branch: 'feature',
      commit: null,
      attempts: 2,
      url: `http://flackyness.test/runs/${feature}`,
    });
    const newestMain = [...runs].reverse();
    expect(detail.reason.flakyRuns.slice(1).map((r) => [r.runId, r.branch, r.commit])).toEqual(
      newestMain.slice(0, 9).map((r) => [r.id, 'main', r.commit]),
    );

    const onMain = await get<Detail>(`/api/v1/tests/${flaky}?branch=main&days=7`, token);
    expect(onMain.reason.flakyRuns.map((r) => r.runId)).toEqual(
      newestMain.filter((r) => r.day < 7).map((r) => r.id),
    );
    // A test that never was flaky has no reason.
    const passing = await get<Detail>(`/api/v1/tests/${ids.get('alpha alpha only')}`, token);
    expect(passing.reason).toEqual({ flakyRuns: [], commitFlakes: [] });
  });

  it('lists commits the test both passed and failed on, as its commitFlakes count them', async () => {
    const { token } = await createProject(t);
    // c1: fails (basic), then passes (all-pass) on main. c2: passes on main, fails on feature.
    // c3: fails only. c4: fails and passes, but the pass is 10 days old.
    const failed1 = await upload(token, placeAt(basic, noon(3)), {
      branch: 'main',
      commit: 'c1',
      pipeline: '1',
    });
    const passed1 = await upload(token, placeAt(allPass, noon(2)), {
      branch: 'main',
      commit: 'c1',
      pipeline: '2',
    });
    const passed2 = await upload(token, placeAt(allPass, noon(2, 60)), {
      branch: 'main',
      commit: 'c2',
      pipeline: '3',
    });
    const failed2 = await upload(token, placeAt(basic, noon(1)), {
      branch: 'feature',
      commit: 'c2',
      pipeline: '4',
    });
    await upload(token, placeAt(basic, noon(1, 60)), {
      branch: 'main',
      commit: 'c3',
      pipeline: '5',
    });
    await upload(token, placeAt(allPass, noon(10)), {
      branch: 'main',
      commit: 'c4',
      pipeline: '6',
    });
    await upload(token, placeAt(basic, noon(0)), { branch: 'main', commit: 'c4', pipeline: '7' });
    const ids = await testIds(failed1, token);
    const fails = ids.get('beta always fails') as string;

    const all = await get<Detail>(`/api/v1/tests/${fails}`, token);
    expect(all.reason.commitFlakes).toEqual([
      {
        commit: 'c4',
        branch: 'main',
        passedRunId: expect.any(String),
        failedRunId: expect.any(String),
        lastSeenAt: noon(0).toISOString(),
      },
      {
        commit: 'c2',
        branch: 'feature',
        passedRunId: passed2,
        failedRunId: failed2,
        lastSeenAt: noon(1).toISOString(),
      },
      {
        commit: 'c1',
        branch: 'main',
        passedRunId: passed1,
        failedRunId: failed1,
        lastSeenAt: noon(2).toISOString(),
      },
    ]);
    expect(all.stats?.commitFlakes).toBe(3);

    // 7 days: c4's pass is out. On main: c2's failure is on feature.
    const week = await get<Detail>(`/api/v1/tests/${fails}?days=7`, token);
    expect(week.reason.commitFlakes.map((f) => f.commit)).toEqual(['c2', 'c1']);
    expect(week.stats?.commitFlakes).toBe(2);
    const main = await get<Detail>(`/api/v1/tests/${fails}?days=7&branch=main`, token);
    expect(main.reason.commitFlakes.map((f) => f.commit)).toEqual(['c1']);
    expect(main.stats?.commitFlakes).toBe(1);
  });
});

describe('GET /api/v1/tests/:testId/errors', () => {
  it('groups the test’s failures by signature, most failures first', async () => {
    const { token } = await createProject(t);
    const first = await upload(token, placeAt(basic, noon(3)), { branch: 'main', pipeline: '1' });
    const second = await upload(token, placeAt(basic, noon(2)), {
      branch: 'main',
      pipeline: '2',
    });
    const timeout = 'Error: Timeout 5000ms exceeded while waiting for #pay';
    const third = await upload(
      token,
      placeAt(withMessage(basic, 'always fails', timeout), noon(1)),
      {
        branch: 'feature',
        pipeline: '3',
      },
    );
    const ids = await testIds(first, token);
    const fails = ids.get('alpha always fails') as string;

    const all = await get<ErrorGroups>(`/api/v1/tests/${fails}/errors`, token);
    expect(all.nextCursor).toBeNull();
    expect(all.items).toEqual([
      {
        signature: expect.stringContaining('expect(received).toBe(expected)'),
        message: expect.stringMatching(/^Error: expect\(received\)\.toBe\(expected\)/),
        failures: 2,
        firstSeenAt: noon(3).toISOString(),
        lastSeenAt: noon(2).toISOString(),
        lastRunId: second,
      },
      {
        signature: expect.stringContaining('Timeout'),
        message: timeout,
        failures: 1,
        firstSeenAt: noon(1).toISOString(),
        lastSeenAt: noon(1).toISOString(),
        lastRunId: third,
      },
    ]);
    // Stored without ANSI colours.
    for (const item of all.items) expect(item.message).not.toContain('\u001b');

    const onFeature = await get<ErrorGroups>(`/api/v1/tests/${fails}/errors?branch=feature`, token);
    expect(onFeature.items.map((g) => g.message)).toEqual([timeout]);
    const lastThreeDays = await get<ErrorGroups>(`/api/v1/tests/${fails}/errors?days=3`, token);
    expect(lastThreeDays.items.map((g) => g.failures)).toEqual([1, 1]);
    // A flaky test's failed attempts are failures too; a passing test has none.
    const flaky = await get<ErrorGroups>(
      `/api/v1/tests/${ids.get('alpha flaky on first attempt')}/errors`,
      token,
    );
    expect(flaky.items.map((g) => g.failures)).toEqual([3]);
    const passing = await get<ErrorGroups>(
      `/api/v1/tests/${ids.get('alpha alpha only')}/errors`,
      token,
    );
    expect(passing).toEqual({ items: [], nextCursor: null });
  });

  it('validates parameters and keeps other projects’ tests out', async () => {
    const own = await createProject(t);
    const other = await createProject(t);
    const run = await upload(other.token, placeAt(basic, noon(1)), { branch: 'main' });
    const foreign = (await testIds(run, other.token)).get('alpha always fails') as string;
    for (const path of [
      `/api/v1/tests/${foreign}/errors`,
      `/api/v1/tests/999999999/errors`,
      `/api/v1/tests/x/errors`,
      `/api/v1/tests/${foreign}`,
    ]) {
      const response = await t.request(path, { headers: { authorization: `Bearer ${own.token}` } });
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as ErrorBody).error.code).toBe('not_found');
    }
    for (const [query, field] of [
      ['?days=0', 'days'],
      ['?days=366', 'days'],
      [`?branch=${'b'.repeat(256)}`, 'branch'],
      ['?limit=5', 'limit'],
    ]) {
      const response = await t.request(`/api/v1/tests/${foreign}/errors${query}`, {
        headers: adminHeaders(t),
      });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.details?.map((d) => d.path)).toEqual([field]);
    }
    const anonymous = await t.request(`/api/v1/tests/${foreign}/errors`);
    expect(anonymous.status).toBe(401);
  });
});
