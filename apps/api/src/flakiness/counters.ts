import { columnsOf, type TxSql } from '../db/client.ts';
import type { Outcome } from '../ingest/types.ts';

export interface PartScope {
  projectId: string;
  /** The part's start: its results are counted on this day (UTC). */
  createdAt: Date;
  branch: string | null;
  commit: string | null;
}

/** What one stored result contributes to the counters. */
export interface CountedResult {
  testId: string;
  outcome: Outcome;
  durationMs: number;
  failedDurationMs: number;
}

export interface CommitFlakeChange {
  testId: string;
  /** +1: these results made the commit flaky for the test; −1: their removal made it not flaky. */
  change: 1 | -1;
}

/** The counters every aggregate table keeps (DESIGN.md §4; see schema.ts statCounters). */
export const counterColumns = [
  'runs',
  'expected_runs',
  'flaky_runs',
  'failed_runs',
  'skipped_runs',
  'commit_flakes',
  'duration_ms',
  'wasted_ms',
] as const;

/** `runs = s.runs + excluded.runs, …`: every counter of `target` combined with `source`'s. */
export function combineCounters(target: string, source: string, op: '+' | '-' = '+'): string {
  return counterColumns.map((c) => `${c} = ${target}.${c} ${op} ${source}.${c}`).join(', ');
}

/** flake_rate (DESIGN.md §4) from SQL expressions for runs and flaky events, capped at 1. */
export function flakeRateSql(runs: string, flakyEvents: string): string {
  return `case when ${runs} > 0 then least(1.0, (${flakyEvents})::float8 / (${runs})) else 0 end`;
}

interface TestDelta {
  test_id: string;
  day: string;
  branch: string;
  runs: number;
  expected_runs: number;
  flaky_runs: number;
  failed_runs: number;
  skipped_runs: number;
  commit_flakes: number;
  duration_ms: number;
  wasted_ms: number;
}

/** Per-test counter deltas of a part's results (sign applied). */
function testDeltas(
  results: readonly CountedResult[],
  day: string,
  branch: string,
  sign: 1 | -1,
): Map<string, TestDelta> {
  const deltas = new Map<string, TestDelta>();
  for (const r of results) {
    let d = deltas.get(r.testId);
    if (!d) {
      d = {
        test_id: r.testId,
        day,
        branch,
        runs: 0,
        expected_runs: 0,
        flaky_runs: 0,
        failed_runs: 0,
        skipped_runs: 0,
        commit_flakes: 0,
        duration_ms: 0,
        wasted_ms: 0,
      };
      deltas.set(r.testId, d);
    }
    if (r.outcome === 'skipped') d.skipped_runs += sign;
    else d.runs += sign;
    if (r.outcome === 'expected') d.expected_runs += sign;
    if (r.outcome === 'flaky') {
      d.flaky_runs += sign;
      d.wasted_ms += sign * r.failedDurationMs;
    }
    if (r.outcome === 'unexpected') d.failed_runs += sign;
    d.duration_ms += sign * r.durationMs;
  }
  return deltas;
}

/**
 * Adds (sign 1) or subtracts (sign −1) a part's results to every flakiness counter: per test per
 * day per branch, per project per day per branch, per test per commit, and test_stats' window
 * counters (when the day is inside the project's current window). Cost is proportional to the
 * part, never to history. A commit becomes a flake for a test the moment it has both a passing and
 * an unexpected result; that is counted on the day and branch of the results that did it, and
 * taken back from there if they are removed.
 */
export async function applyPartCounters(
  tx: TxSql,
  scope: PartScope,
  results: readonly CountedResult[],
  sign: 1 | -1,
  windowStart: string,
): Promise<CommitFlakeChange[]> {
  if (results.length === 0) return [];
  const branch = scope.branch ?? '';
  const day = scope.createdAt.toISOString().slice(0, 10);
  const deltas = testDeltas(results, day, branch, sign);

  const commitChanges = scope.commit
    ? await applyCommitCounters(tx, scope, deltas, day, branch)
    : [];
  const rows: TestDelta[] = [...deltas.values()];
  for (const c of commitChanges) {
    const zero = {
      runs: 0,
      expected_runs: 0,
      flaky_runs: 0,
      failed_runs: 0,
      skipped_runs: 0,
      duration_ms: 0,
      wasted_ms: 0,
    };
    rows.push({
      test_id: c.testId,
      day: c.day,
      branch: c.branch,
      ...zero,
      commit_flakes: c.change,
    });
  }

  const c = columnsOf(rows, ['test_id', 'day', 'branch', ...counterColumns] as const);
  await tx`
    with signed as (
      select test_id, day, branch, sum(runs)::int as runs, sum(expected_runs)::int as expected_runs,
        sum(flaky_runs)::int as flaky_runs, sum(failed_runs)::int as failed_runs,
        sum(skipped_runs)::int as skipped_runs, sum(commit_flakes)::int as commit_flakes,
        sum(duration_ms)::bigint as duration_ms, sum(wasted_ms)::bigint as wasted_ms
      from unnest(${c.test_id}::bigint[], ${c.day}::date[], ${c.branch}::text[], ${c.runs}::int[],
        ${c.expected_runs}::int[], ${c.flaky_runs}::int[], ${c.failed_runs}::int[], ${c.skipped_runs}::int[],
        ${c.commit_flakes}::int[], ${c.duration_ms}::bigint[], ${c.wasted_ms}::bigint[])
        as d(test_id, day, branch, runs, expected_runs, flaky_runs, failed_runs, skipped_runs, commit_flakes,
          duration_ms, wasted_ms)
      group by test_id, day, branch
    ),
    daily as (
      insert into test_daily_stats as s (project_id, test_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      select ${scope.projectId}, test_id, day, branch, runs, expected_runs, flaky_runs, failed_runs,
        skipped_runs, commit_flakes, duration_ms, wasted_ms from signed
      on conflict (project_id, test_id, day, branch) do update set
        ${tx.unsafe(combineCounters('s', 'excluded'))}
    ),
    project_daily as (
      insert into project_daily_stats as s (project_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      select ${scope.projectId}, day, branch, sum(runs), sum(expected_runs), sum(flaky_runs), sum(failed_runs),
        sum(skipped_runs), sum(commit_flakes), sum(duration_ms), sum(wasted_ms)
      from signed group by day, branch
      on conflict (project_id, day, branch) do update set
        ${tx.unsafe(combineCounters('s', 'excluded'))}
    ),
    windowed as (
      select test_id,
        coalesce(sum(runs) filter (where in_window), 0) as runs,
        coalesce(sum(expected_runs) filter (where in_window), 0) as expected_runs,
        coalesce(sum(flaky_runs) filter (where in_window), 0) as flaky_runs,
        coalesce(sum(failed_runs) filter (where in_window), 0) as failed_runs,
        coalesce(sum(skipped_runs) filter (where in_window), 0) as skipped_runs,
        coalesce(sum(commit_flakes) filter (where in_window), 0) as commit_flakes,
        coalesce(sum(duration_ms) filter (where in_window), 0) as duration_ms,
        coalesce(sum(wasted_ms) filter (where in_window), 0) as wasted_ms
      from (select *, day >= ${windowStart}::date as in_window from signed) s
      group by test_id
    ),
    updated as (
      update test_stats s set
        last_seen_at = greatest(s.last_seen_at, ${scope.createdAt}::timestamptz),
        ${tx.unsafe(combineCounters('s', 'w'))},
        flake_rate = ${tx.unsafe(
          flakeRateSql(
            's.runs + w.runs',
            's.flaky_runs + w.flaky_runs + s.commit_flakes + w.commit_flakes',
          ),
        )},
        listed_runs = case when s.status is not null then s.runs + w.runs end,
        listed_last_seen_at = case when s.status is not null
          then greatest(s.last_seen_at, ${scope.createdAt}::timestamptz) end
      from windowed w
      where s.test_id = w.test_id
      -- Did the test enter (or leave) the window? Before this update its counts were new − delta.
      returning s.test_id, (s.runs + s.skipped_runs > 0)::int
        - (s.runs + s.skipped_runs - w.runs - w.skipped_runs > 0)::int as entered
    ),
    -- Uploads of a project hold its window lock, so no other transaction inserts these tests' rows.
    inserted as (
      insert into test_stats (test_id, project_id, last_seen_at, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms, flake_rate)
      select w.test_id, ${scope.projectId}, ${scope.createdAt}::timestamptz, w.runs, w.expected_runs,
        w.flaky_runs, w.failed_runs, w.skipped_runs, w.commit_flakes, w.duration_ms, w.wasted_ms,
        ${tx.unsafe(flakeRateSql('w.runs', 'w.flaky_runs + w.commit_flakes'))}
      from windowed w
      where not exists (select 1 from updated u where u.test_id = w.test_id)
      returning (runs + skipped_runs > 0)::int as entered
    )
    update project_windows set tests_in_window = tests_in_window
      + (select coalesce(sum(entered), 0) from updated) + (select coalesce(sum(entered), 0) from inserted)
    where project_id = ${scope.projectId}`;
  return commitChanges.map((c) => ({ testId: c.testId, change: c.change }));
}

/** Per test and commit: passes and fails; returns the tests whose commit became (or stopped being) a flake. */
async function applyCommitCounters(
  tx: TxSql,
  scope: PartScope,
  deltas: Map<string, TestDelta>,
  day: string,
  branch: string,
): Promise<{ testId: string; change: 1 | -1; day: string; branch: string }[]> {
  const input = [...deltas.values()]
    .filter((d) => d.runs !== 0)
    .map((d) => ({
      test_id: d.test_id,
      passes: d.expected_runs + d.flaky_runs,
      fails: d.failed_runs,
    }));
  if (input.length === 0) return [];
  const c = columnsOf(input, ['test_id', 'passes', 'fails'] as const);
  const changes = await tx<{ testId: string; change: 1 | -1; day: string; branch: string }[]>`
    with input as (
      select * from unnest(${c.test_id}::bigint[], ${c.passes}::int[], ${c.fails}::int[]) as i(test_id, passes, fails)
    ),
    old as (
      select c.test_id, c.passes, c.fails, c.flaked_day, c.flaked_branch
      from test_commit_stats c join input using (test_id)
      where c.project_id = ${scope.projectId} and c.commit = ${scope.commit}
    ),
    upserted as (
      insert into test_commit_stats as c (project_id, test_id, commit, passes, fails, last_day, flaked_day, flaked_branch)
      select ${scope.projectId}, test_id, ${scope.commit}, passes, fails, ${day}::date,
        case when passes > 0 and fails > 0 then ${day}::date end,
        case when passes > 0 and fails > 0 then ${branch} end
      from input
      on conflict (project_id, test_id, commit) do update set
        passes = c.passes + excluded.passes,
        fails = c.fails + excluded.fails,
        last_day = greatest(c.last_day, excluded.last_day),
        flaked_day = case when c.passes + excluded.passes > 0 and c.fails + excluded.fails > 0
          then coalesce(c.flaked_day, ${day}::date) end,
        flaked_branch = case when c.passes + excluded.passes > 0 and c.fails + excluded.fails > 0
          then coalesce(c.flaked_branch, ${branch}) end
      returning test_id, passes, fails
    )
    select u.test_id as "testId",
      case when u.passes > 0 and u.fails > 0 then 1 else -1 end as change,
      coalesce(o.flaked_day, ${day}::date)::text as day,
      coalesce(o.flaked_branch, ${branch}) as branch
    from upserted u left join old o using (test_id)
    where (u.passes > 0 and u.fails > 0) <> coalesce(o.passes > 0 and o.fails > 0, false)`;
  return changes;
}
