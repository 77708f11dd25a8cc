import type { Sql } from '../client.ts';
import { DAY_MS } from '../../domain/window.ts';
import { commitFlakesColumn, type WindowSpec } from './flaky-tests.ts';
import { countResolvedSince, isActiveNow } from './flaky-status.ts';

const weekBefore = (now: Date) => new Date(now.getTime() - 7 * DAY_MS);

export interface DailyTrendRow {
  day: string;
  runs: number;
  expectedRuns: number;
  flakyRuns: number;
  failedRuns: number;
  skippedRuns: number;
  commitFlakes: number;
  wastedMs: number;
  durationMs: number;
}

/** Per day of the window (days without results are absent), from the per-project daily rows. */
export async function listDailyTrend(
  sql: Sql,
  projectId: string,
  window: WindowSpec,
): Promise<DailyTrendRow[]> {
  return sql<DailyTrendRow[]>`
    select day::text as day, sum(runs)::int as runs, sum(expected_runs)::int as "expectedRuns",
      sum(flaky_runs)::int as "flakyRuns", sum(failed_runs)::int as "failedRuns",
      sum(skipped_runs)::int as "skippedRuns", sum(${commitFlakesColumn(sql, window)})::int as "commitFlakes",
      sum(wasted_ms)::float8 as "wastedMs", sum(duration_ms)::float8 as "durationMs"
    from project_daily_stats
    where project_id = ${projectId} and day >= ${window.startDay}::date
      ${window.branch !== undefined ? sql`and branch = ${window.branch}` : sql``}
    group by day order by day`;
}

export interface TestCounts {
  /** Tests with at least one result (skipped included) in the window. */
  totalTests: number;
  activeFlaky: number;
  /** Tests resolved in the last 7 days. */
  fixedThisWeek: number;
}

/** Test counts of the window; flaky states as of `now` (flaky-status.ts). */
export async function readTestCounts(
  sql: Sql,
  projectId: string,
  window: WindowSpec,
  now: Date,
): Promise<TestCounts> {
  // The default window's test count is maintained at ingest; flaky tests are few (an index range).
  const total = window.isDefault
    ? sql`select tests_in_window from project_windows where project_id = ${projectId}`
    : sql`
        select count(distinct test_id)::int from test_daily_stats
        where project_id = ${projectId} and day >= ${window.startDay}::date and runs + skipped_runs > 0
          ${window.branch !== undefined ? sql`and branch = ${window.branch}` : sql``}`;
  const [row] = await sql<TestCounts[]>`
    select coalesce((${total}), 0) as "totalTests",
      (select count(*)::int from test_stats s where s.project_id = ${projectId}
        and ${isActiveNow(sql, window.stateWindow)}) as "activeFlaky",
      ${countResolvedSince(sql, projectId, window.stateWindow, weekBefore(now))} as "fixedThisWeek"`;
  return row ?? { totalTests: 0, activeFlaky: 0, fixedThisWeek: 0 };
}
