import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedDatabase,
  createProject,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { placeAt, type RawReport } from '../../test/flakiness-reports.ts';
import { advanceStaleWindows } from './window.ts';

/**
 * Flaky states that follow the window with an injected clock: an active test resolves when its
 * last flaky event leaves the window, with no upload; quarantine, stats and the flaky-tests list
 * agree at every moment; reads change nothing; the window job stores what reads showed; the clean
 * streak follows run start time, so a backfilled report neither advances nor resets it.
 */

const DAY = 24 * 60 * 60 * 1000;
const basic = loadReport('basic') as RawReport; // 4 flaky results: two tests in two projects
const allPass = loadReport('all-pass') as RawReport;

let clock = new Date('2026-06-15T12:00:00.000Z');
let t: TestApp;
// The window job moves every project of the database to this file's clock: a database of its own.
let isolated: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
beforeAll(async () => {
  isolated = dbMode === 'postgres' ? await createIsolatedDatabase() : undefined;
  t = await startTestApp({
    now: () => clock,
    env: { RESOLVE_AFTER_RUNS: '3' },
    ...(isolated ? { databaseUrl: isolated.url } : {}),
  });
});
afterAll(async () => {
  await t?.close();
  await isolated?.drop();
});

type Item = { testId: string; title: string; status: string; resolution: string | null } & Record<
  string,
  unknown
>;

async function get<T>(token: string, path: string): Promise<T> {
  const response = await t.request(path, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function upload(token: string, report: RawReport, at: Date) {
  const response = await uploadReport(t, token, placeAt(report, at));
  expect(response.status).toBe(201);
}

/** What every read says about flaky states now: they must agree with each other. */
async function readStates(token: string, slug: string) {
  const [active, resolved, quarantine, stats] = await Promise.all([
    get<{ items: Item[] }>(token, `/api/v1/projects/${slug}/flaky-tests?status=active`),
    get<{ items: Item[] }>(token, `/api/v1/projects/${slug}/flaky-tests?status=resolved`),
    get<{ items: { testId: string }[]; grepInvert: string | null }>(
      token,
      `/api/v1/projects/${slug}/quarantine`,
    ),
    get<{ activeFlaky: number; fixedThisWeek: number }>(token, `/api/v1/projects/${slug}/stats`),
  ]);
  const ids = (items: { testId: string }[]) => items.map((i) => i.testId).sort();
  expect(ids(quarantine.items)).toEqual(ids(active.items));
  expect(stats.activeFlaky).toBe(active.items.length);
  return { active: active.items, resolved: resolved.items, quarantine, stats };
}

/** Every row a project's flakiness reads could touch, to show that reads change nothing. */
async function snapshot(projectId: string) {
  const [row] = await t.database.sql<{ stats: string; windows: string }[]>`
    select
      (select coalesce(string_agg(s::text, '|' order by test_id), '') from test_stats s
        where project_id = ${projectId}) as stats,
      (select coalesce(string_agg(w::text, '|'), '') from project_windows w
        where project_id = ${projectId}) as windows`;
  return row;
}

describe('an active test whose last flaky event leaves the window', () => {
  it('is resolved (aged-out) at that moment, with no upload, and every read agrees', async () => {
    clock = new Date('2026-06-15T12:00:00.000Z');
    const { project, token } = await createProject(t);
    // Flaky on June 13: in the 30-day window up to July 12, out of it from July 13, 00:00 UTC.
    await upload(token, basic, new Date('2026-06-13T08:00:00.000Z'));
    const first = await readStates(token, project.slug);
    expect(first.active).toHaveLength(4);
    expect(first.quarantine.grepInvert).not.toBeNull();

    clock = new Date('2026-07-12T23:59:00.000Z');
    const lastDay = await readStates(token, project.slug);
    expect(lastDay.active.map((i) => i.testId).sort()).toEqual(
      first.active.map((i) => i.testId).sort(),
    );

    clock = new Date('2026-07-13T00:00:00.000Z');
    const before = await snapshot(project.id);
    const aged = await readStates(token, project.slug);
    expect(aged.active).toEqual([]);
    expect(aged.quarantine).toMatchObject({ items: [], grepInvert: null });
    expect(aged.stats.fixedThisWeek).toBe(4);
    expect(aged.resolved).toHaveLength(4);
    for (const item of aged.resolved) {
      expect(item).toMatchObject({
        status: 'resolved',
        resolution: 'aged-out',
        resolvedAt: '2026-07-13T00:00:00.000Z',
        lastFlakyAt: '2026-06-13T08:00:00.000Z',
      });
    }
    const detail = await get<{ stats: Item }>(token, `/api/v1/tests/${aged.resolved[0]?.testId}`);
    expect(detail.stats).toMatchObject({ status: 'resolved', resolution: 'aged-out' });
    // Reads took no locks and wrote nothing.
    expect(await snapshot(project.id)).toEqual(before);

    // The window job stores what the reads derived; the reads then say the same.
    expect(await advanceStaleWindows(t.database.sql, t.config.FLAKE_WINDOW_DAYS, clock)).toBe(1);
    expect(await snapshot(project.id)).not.toEqual(before);
    const stored = await readStates(token, project.slug);
    expect(stored.resolved).toEqual(aged.resolved);
    expect(stored.stats).toEqual(aged.stats);
    expect(await advanceStaleWindows(t.database.sql, t.config.FLAKE_WINDOW_DAYS, clock)).toBe(0);

    // A week on, it no longer counts as fixed this week; still resolved.
    clock = new Date('2026-07-20T00:00:01.000Z');
    const later = await readStates(token, project.slug);
    expect(later.stats.fixedThisWeek).toBe(0);
    expect(later.resolved).toHaveLength(4);
  });

  it('comes back active on a new flaky event, keeping when it was first detected', async () => {
    clock = new Date('2026-06-15T12:00:00.000Z');
    const { project, token } = await createProject(t);
    await upload(token, basic, new Date('2026-06-13T08:00:00.000Z'));
    const first = await readStates(token, project.slug);

    // No job ran: the upload ages the states itself before applying its results.
    clock = new Date('2026-08-01T12:00:00.000Z');
    await upload(token, allPass, new Date('2026-08-01T10:00:00.000Z'));
    const quiet = await readStates(token, project.slug);
    expect(quiet.active).toEqual([]);
    expect(quiet.resolved.map((i) => i.resolution)).toEqual(Array(4).fill('aged-out'));

    await upload(token, basic, new Date('2026-08-01T11:00:00.000Z'));
    const again = await readStates(token, project.slug);
    expect(again.active).toHaveLength(4);
    for (const item of again.active) {
      const before = first.active.find((i) => i.testId === item.testId);
      expect(item).toMatchObject({
        status: 'active',
        resolution: null,
        resolvedAt: null,
        firstDetectedAt: before?.firstDetectedAt,
        lastFlakyAt: '2026-08-01T11:00:00.000Z',
      });
    }
  });
});

describe('the clean streak', () => {
  it('follows run start time: a backfilled report neither advances nor resets it', async () => {
    clock = new Date('2026-06-15T12:00:00.000Z');
    const at = (daysAgo: number) => new Date(clock.getTime() - daysAgo * DAY);
    const { project, token } = await createProject(t);
    await upload(token, basic, at(10));
    await upload(token, allPass, at(5));
    await upload(token, allPass, at(4));
    // Two clean runs after the flaky one; a third, older than both, is not part of that streak.
    await upload(token, allPass, at(8));
    let states = await readStates(token, project.slug);
    expect(states.active).toHaveLength(4);
    // Nor does an older flaky run reset it.
    await upload(token, basic, at(9));
    states = await readStates(token, project.slug);
    expect(states.active).toHaveLength(4);

    await upload(token, allPass, at(3));
    states = await readStates(token, project.slug);
    expect(states.active).toEqual([]);
    for (const item of states.resolved) {
      expect(item).toMatchObject({
        resolution: 'clean-runs',
        resolvedAt: at(3).toISOString(),
        lastFlakyAt: at(9).toISOString(),
      });
    }
  });
});
