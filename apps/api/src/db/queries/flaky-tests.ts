import type { Sql } from '../client.ts';
import { flakeRateSql } from '../counter-sql.ts';
import { containsPattern } from '../like-pattern.ts';
import {
  currentStateColumns,
  isActiveNow,
  isResolvedNow,
  type DefaultWindow,
} from './flaky-status.ts';

/** 'all': ever detected flaky (active or resolved); 'any': every test, flaky or not. */
export type FlakyStatusFilter = 'active' | 'resolved' | 'all' | 'any';
export type FlakySort = 'flakeRate' | 'lastSeen' | 'title' | 'runs';

export interface WindowSpec {
  /** First day (UTC) of the window. */
  startDay: string;
  branch?: string | undefined;
  /** The window and scope test_stats keeps counters for (default days, all branches), and they
   *  cover today's window. */
  isDefault: boolean;
  /** Today's default window, against which flaky states age (flaky-status.ts). */
  stateWindow: DefaultWindow;
}

export interface FlakyTestRow {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  status: 'active' | 'resolved' | null;
  resolution: 'clean-runs' | 'aged-out' | null;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
  flakeRate: number;
  wastedMs: number;
  durationMs: number;
  firstDetectedAt: Date | null;
  lastFlakyAt: Date | null;
  resolvedAt: Date | null;
  lastSeenAt: Date | null;
  /** The value the page is sorted on, for the cursor (a time for lastSeen). */
  sortValue: string | number | Date;
}

export interface FlakyTestQuery {
  window: WindowSpec;
  status: FlakyStatusFilter;
  q?: string | undefined;
  sort: FlakySort;
  order: 'asc' | 'desc';
  limit: number;
  /** The last row of the previous page; without a value, the sort value is that test's (title). */
  after?: { value?: string | number; testId: string } | undefined;
  /** Only these tests. */
  testIds?: readonly string[] | undefined;
}

const sortExpression: Record<FlakySort, string> = {
  flakeRate: 'c.flake_rate',
  lastSeen: 'c.sort_last_seen_at',
  title: 'c.title',
  runs: 'c.sort_runs',
};

/**
 * Tests that were ever detected flaky (status active or resolved), with their counters over the
 * window. The default window reads test_stats' maintained counters (an index range scan for the
 * default page); another window or a branch sums the daily aggregates of the flaky tests only.
 */
export async function listFlakyTests(
  sql: Sql,
  projectId: string,
  query: FlakyTestQuery,
): Promise<FlakyTestRow[]> {
  const { window } = query;
  // Statuses as of now (flaky-status.ts). Active is an equality plus a filter, so the ordered
  // index scan applies; 'all' is both ever-flaky states.
  const statusFilter =
    query.status === 'any'
      ? sql``
      : query.status === 'all'
        ? sql`and s.status is not null`
        : query.status === 'active'
          ? sql`and ${isActiveNow(sql, window.stateWindow)}`
          : sql`and ${isResolvedNow(sql, window.stateWindow)}`;
  const state = currentStateColumns(sql, window.stateWindow);
  const scope = sql`
    s.project_id = ${projectId}
    ${statusFilter}
    ${query.testIds ? sql`and s.test_id = any(${query.testIds}::bigint[])` : sql``}`;
  // Listed tests (any status filter but 'any') sort on the copies the indexes hold, which equal
  // runs and last_seen_at for them; 'any' includes unlisted tests, whose copies are null.
  const listedSortKeys =
    query.status === 'any'
      ? sql`s.runs as sort_runs, s.last_seen_at as sort_last_seen_at`
      : sql`s.listed_runs as sort_runs, s.listed_last_seen_at as sort_last_seen_at`;
  const counters = window.isDefault
    ? sql`
        select s.test_id, ${state}, s.runs, s.flaky_runs, s.failed_runs, s.commit_flakes, s.flake_rate,
          s.wasted_ms, s.duration_ms, s.first_detected_at, s.last_flaky_at, s.last_seen_at,
          ${listedSortKeys}
        from test_stats s
        where ${scope}`
    : sql`
        select s.test_id, ${state}, coalesce(d.runs, 0) as runs, coalesce(d.flaky_runs, 0) as flaky_runs,
          coalesce(d.failed_runs, 0) as failed_runs, coalesce(d.commit_flakes, 0) as commit_flakes,
          ${sql.unsafe(flakeRateSql('coalesce(d.runs, 0)', 'd.flaky_runs + d.commit_flakes'))} as flake_rate,
          coalesce(d.wasted_ms, 0) as wasted_ms, coalesce(d.duration_ms, 0) as duration_ms,
          s.first_detected_at, s.last_flaky_at, s.last_seen_at,
          coalesce(d.runs, 0) as sort_runs, s.last_seen_at as sort_last_seen_at
        from test_stats s
        left join lateral (
          select sum(runs)::int as runs, sum(flaky_runs)::int as flaky_runs, sum(failed_runs)::int as failed_runs,
            sum(${commitFlakesColumn(sql, window)})::int as commit_flakes, sum(wasted_ms)::bigint as wasted_ms,
            sum(duration_ms)::bigint as duration_ms
          from test_daily_stats d
          where d.project_id = ${projectId} and d.test_id = s.test_id and d.day >= ${window.startDay}::date
            ${window.branch !== undefined ? sql`and d.branch = ${window.branch}` : sql``}
        ) d on true
        where ${scope}`;

  const sortBy = sql.unsafe(sortExpression[query.sort]);
  const direction = sql.unsafe(query.order === 'asc' ? 'asc' : 'desc');
  const comparison = sql.unsafe(query.order === 'asc' ? '>' : '<');
  const pattern = query.q ? containsPattern(query.q) : undefined;
  // Every sort column is non-null, so (sort value, test id) orders the list totally.
  const after = query.after;
  const keyset = after
    ? sql`and (${sortBy}, c.test_id) ${comparison} (${
        after.value === undefined
          ? sql`(select t.title from tests t where t.id = ${after.testId}::bigint and t.project_id = ${projectId})`
          : sql`${after.value}`
      }, ${after.testId}::bigint)`
    : sql``;

  return sql<FlakyTestRow[]>`
    select c.test_id as "testId", c.title, c.title_path as "titlePath", c.file, c.project_name as "projectName",
      c.status, c.resolution, c.runs, c.flaky_runs as "flakyRuns", c.failed_runs as "failedRuns",
      c.commit_flakes as "commitFlakes", c.flake_rate as "flakeRate", c.wasted_ms::float8 as "wastedMs",
      c.duration_ms::float8 as "durationMs", c.first_detected_at as "firstDetectedAt",
      c.last_flaky_at as "lastFlakyAt", c.resolved_at as "resolvedAt", c.last_seen_at as "lastSeenAt",
      ${sortBy} as "sortValue"
    from (
      select x.*, t.title, t.title_path, t.file, t.project_name
      from (${counters}) x
      join tests t on t.id = x.test_id and t.project_id = ${projectId}
      ${pattern ? sql`where (t.title ilike ${pattern} or t.file ilike ${pattern} or array_to_string(t.title_path, ' ') ilike ${pattern})` : sql``}
    ) c
    where true ${keyset}
    order by ${sortBy} ${direction}, c.test_id ${direction}
    limit ${query.limit + 1}`;
}

/** Commit flakes of the window's scope: one branch's own, or those of all branches together. */
export function commitFlakesColumn(sql: Sql, window: WindowSpec) {
  return sql.unsafe(window.branch !== undefined ? 'branch_commit_flakes' : 'commit_flakes');
}

/** The project's results version (flip-rate-cache.ts); none before its first upload. */
export async function readResultsVersion(sql: Sql, projectId: string): Promise<string> {
  const [row] = await sql<{ version: string }[]>`
    select results_version::text as version from project_windows where project_id = ${projectId}`;
  return row?.version ?? 'none';
}

export interface BranchFlips {
  testId: string;
  flips: number;
  results: number;
}

/**
 * The flips of the given tests in the window, per branch: model.ts's countFlips over each
 * branch's non-skipped results in run order, counted here so that a page of 100 tests sends back
 * a row per test and branch, not every result of the window (thousands, growing with the runs).
 * Bounded by the page (at most 100 tests), read through the (test_id, created_at) index. With the
 * project's results version read in the same statement, so of the same state.
 */
export async function listWindowFlips(
  sql: Sql,
  projectId: string,
  testIds: readonly string[],
  window: WindowSpec,
): Promise<{ version: string; flips: BranchFlips[] }> {
  // The tests' results first, through the primary key's (project_id, test_id, created_at) prefix,
  // then their runs: left to itself, the planner can take a young project's runs for one row and
  // scan the whole window once per run (quadratic in the runs; seconds, not milliseconds).
  const rows = await sql<(Partial<BranchFlips> & { version: string | null })[]>`
    with results as materialized (
      select test_id, run_id, created_at, repeat_index, outcome in ('expected', 'flaky') as pass
      from test_results
      where project_id = ${projectId} and test_id = any(${testIds}::bigint[])
        and created_at >= ${window.startDay}::timestamptz and outcome <> 'skipped'
    ), flips as (
      select test_id::text as "testId",
        (count(*) filter (where pass <> previous))::int as flips, count(*)::int as results
      from (
        select tr.test_id, coalesce(r.branch, '') as branch, tr.pass,
          lag(tr.pass) over (
            partition by tr.test_id, coalesce(r.branch, '')
            order by tr.created_at, tr.run_id, tr.repeat_index) as previous
        from results tr
        join runs r on r.project_id = ${projectId} and r.id = tr.run_id
        where not r.excluded_from_stats
          ${window.branch !== undefined ? sql`and r.branch = ${window.branch}` : sql``}
      ) o
      group by test_id, branch
    )
    select (select results_version::text from project_windows where project_id = ${projectId})
        as version, f.*
    from (select 1) as one left join flips f on true`;
  return {
    version: rows[0]?.version ?? 'none',
    flips: rows.filter((row): row is BranchFlips & { version: string } => row.testId != null),
  };
}
