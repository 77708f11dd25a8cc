import type { TxSql } from '../db/client.ts';
import { numberArray } from '../db/array-literal.ts';
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

/** One test's counter deltas from a part (sign applied); commit flakes are counted apart. */
interface TestDelta {
  testId: string;
  runs: number;
  expectedRuns: number;
  flakyRuns: number;
  failedRuns: number;
  skippedRuns: number;
  durationMs: number;
  wastedMs: number;
}

function testDeltas(results: readonly CountedResult[], sign: 1 | -1): TestDelta[] {
  const deltas = new Map<string, TestDelta>();
  for (const r of results) {
    let d = deltas.get(r.testId);
    if (!d) {
      d = {
        testId: r.testId,
        runs: 0,
        expectedRuns: 0,
        flakyRuns: 0,
        failedRuns: 0,
        skippedRuns: 0,
        durationMs: 0,
        wastedMs: 0,
      };
      deltas.set(r.testId, d);
    }
    if (r.outcome === 'skipped') d.skippedRuns += sign;
    else d.runs += sign;
    if (r.outcome === 'expected') d.expectedRuns += sign;
    if (r.outcome === 'flaky') {
      d.flakyRuns += sign;
      d.wastedMs += sign * r.failedDurationMs;
    }
    if (r.outcome === 'unexpected') d.failedRuns += sign;
    d.durationMs += sign * r.durationMs;
  }
  return [...deltas.values()];
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
  const deltas = testDeltas(results, sign);
  // Sent together: the server runs them in order while the client prepares the next, with no
  // round trip in between (postgres.js pipelines the queries of one transaction).
  const [commitChanges] = await Promise.all([
    scope.commit ? applyCommitCounters(tx, scope, deltas, day, branch) : [],
    applyTestDeltas(tx, scope, deltas, day, branch, day >= windowStart),
  ]);
  if (commitChanges.length > 0)
    await applyCommitFlakes(tx, scope.projectId, commitChanges, windowStart);
  return commitChanges.map((c) => ({ testId: c.testId, change: c.change }));
}

/** The part's per-test deltas into the daily aggregates and, when its day is in the window, test_stats. */
async function applyTestDeltas(
  tx: TxSql,
  scope: PartScope,
  deltas: readonly TestDelta[],
  day: string,
  branch: string,
  inWindow: boolean,
): Promise<void> {
  const column = (key: keyof Omit<TestDelta, 'testId'>) => numberArray(deltas.map((d) => d[key]));
  const total = (key: keyof Omit<TestDelta, 'testId'>) =>
    deltas.reduce((sum, d) => sum + d[key], 0);
  // Counted in the window or not: a part older than the window still updates last_seen_at.
  const k = inWindow ? 1 : 0;
  const ids = numberArray(deltas.map((d) => d.testId));
  await tx`
    with d as (
      select * from unnest(${ids}::bigint[], ${column('runs')}::int[],
        ${column('expectedRuns')}::int[], ${column('flakyRuns')}::int[], ${column('failedRuns')}::int[],
        ${column('skippedRuns')}::int[], ${column('durationMs')}::bigint[], ${column('wastedMs')}::bigint[])
        as d(test_id, runs, expected_runs, flaky_runs, failed_runs, skipped_runs, duration_ms, wasted_ms)
    ),
    daily as (
      insert into test_daily_stats as s (project_id, test_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      select ${scope.projectId}, test_id, ${day}::date, ${branch}, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, 0, duration_ms, wasted_ms from d
      on conflict (project_id, test_id, day, branch) do update set
        ${tx.unsafe(combineCounters('s', 'excluded'))}
    ),
    project_daily as (
      insert into project_daily_stats as s (project_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      values (${scope.projectId}, ${day}::date, ${branch}, ${total('runs')}, ${total('expectedRuns')},
        ${total('flakyRuns')}, ${total('failedRuns')}, ${total('skippedRuns')}, 0, ${total('durationMs')},
        ${total('wastedMs')})
      on conflict (project_id, day, branch) do update set
        ${tx.unsafe(combineCounters('s', 'excluded'))}
    ),
    w as (
      select test_id, ${k}::int * runs as runs, ${k}::int * expected_runs as expected_runs,
        ${k}::int * flaky_runs as flaky_runs, ${k}::int * failed_runs as failed_runs,
        ${k}::int * skipped_runs as skipped_runs, 0 as commit_flakes, ${k}::int * duration_ms as duration_ms,
        ${k}::int * wasted_ms as wasted_ms
      from d
    ),
    updated as (
      update test_stats s set
        last_seen_at = greatest(s.last_seen_at, ${scope.createdAt}::timestamptz),
        ${tx.unsafe(combineCounters('s', 'w'))},
        flake_rate = ${tx.unsafe(flakeRateSql('s.runs + w.runs', 's.flaky_runs + w.flaky_runs + s.commit_flakes'))},
        listed_runs = case when s.status is not null then s.runs + w.runs end,
        listed_last_seen_at = case when s.status is not null
          then greatest(s.last_seen_at, ${scope.createdAt}::timestamptz) end
      from w
      -- The id list makes PostgreSQL fetch these tests by primary key, rather than hash-join all of
      -- the project's test_stats rows (50,000 of them for a 1,000-test upload). "+ 0" keeps the
      -- join a hash join: as a nested loop, each probe would re-read the whole list.
      where s.project_id = ${scope.projectId} and s.test_id = any(${ids}::bigint[])
        and w.test_id = s.test_id + 0
      -- Did the test enter (or leave) the window? Before this update its counts were new − delta.
      returning s.test_id, (s.runs + s.skipped_runs > 0)::int
        - (s.runs + s.skipped_runs - w.runs - w.skipped_runs > 0)::int as entered
    ),
    -- Uploads of a project hold its window lock, so no other transaction inserts these tests' rows.
    inserted as (
      insert into test_stats (test_id, project_id, last_seen_at, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms, flake_rate)
      select w.test_id, ${scope.projectId}, ${scope.createdAt}::timestamptz, w.runs, w.expected_runs,
        w.flaky_runs, w.failed_runs, w.skipped_runs, 0, w.duration_ms, w.wasted_ms,
        ${tx.unsafe(flakeRateSql('w.runs', 'w.flaky_runs'))}
      from w
      where not exists (select 1 from updated u where u.test_id = w.test_id)
      returning (runs + skipped_runs > 0)::int as entered
    )
    update project_windows set tests_in_window = tests_in_window
      + (select coalesce(sum(entered), 0) from updated) + (select coalesce(sum(entered), 0) from inserted)
    where project_id = ${scope.projectId}`;
}

interface CommitFlakeRow {
  testId: string;
  change: 1 | -1;
  /** Day and branch of the results that made the commit flaky. */
  day: string;
  branch: string;
}

/** Commit flakes that appeared or disappeared, into the daily aggregates and test_stats. */
async function applyCommitFlakes(
  tx: TxSql,
  projectId: string,
  changes: readonly CommitFlakeRow[],
  windowStart: string,
): Promise<void> {
  await tx`
    with c as (
      select * from unnest(${numberArray(changes.map((c) => c.testId))}::bigint[],
        ${numberArray(changes.map((c) => c.change))}::int[], ${numberArray(changes.map((c) => c.day))}::date[],
        ${changes.map((c) => c.branch)}::text[]) as c(test_id, change, day, branch)
    ),
    daily as (
      insert into test_daily_stats as s (project_id, test_id, day, branch, commit_flakes)
      select ${projectId}, test_id, day, branch, sum(change) from c group by test_id, day, branch
      on conflict (project_id, test_id, day, branch) do update set
        commit_flakes = s.commit_flakes + excluded.commit_flakes
    ),
    project_daily as (
      insert into project_daily_stats as s (project_id, day, branch, commit_flakes)
      select ${projectId}, day, branch, sum(change) from c group by day, branch
      on conflict (project_id, day, branch) do update set
        commit_flakes = s.commit_flakes + excluded.commit_flakes
    ),
    w as (
      select test_id, sum(change)::int as commit_flakes from c where day >= ${windowStart}::date
      group by test_id
    )
    update test_stats s set
      commit_flakes = s.commit_flakes + w.commit_flakes,
      flake_rate = ${tx.unsafe(flakeRateSql('s.runs', 's.flaky_runs + s.commit_flakes + w.commit_flakes'))}
    from w
    where s.project_id = ${projectId} and s.test_id = w.test_id`;
}

/** In ON CONFLICT's SET: the commit has both a pass and a fail now, and did not before. */
const BECOMES_FLAKY =
  'c.passes + excluded.passes > 0 and c.fails + excluded.fails > 0 and not (c.passes > 0 and c.fails > 0)';

/** Per test and commit: passes and fails; returns the tests whose commit became (or stopped being) a flake. */
async function applyCommitCounters(
  tx: TxSql,
  scope: PartScope,
  deltas: readonly TestDelta[],
  day: string,
  branch: string,
): Promise<CommitFlakeRow[]> {
  const input = deltas.filter((d) => d.runs !== 0);
  if (input.length === 0) return [];
  const changes = await tx<CommitFlakeRow[]>`
    with input as (
      select * from unnest(${numberArray(input.map((d) => d.testId))}::bigint[],
        ${numberArray(input.map((d) => d.expectedRuns + d.flakyRuns))}::int[],
        ${numberArray(input.map((d) => d.failedRuns))}::int[]) as i(test_id, passes, fails)
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
        -- Where the commit's flake is counted: set when it becomes one, and kept when it stops
        -- being one, so that it is taken back from there.
        flaked_day = case when ${tx.unsafe(BECOMES_FLAKY)} then ${day}::date else c.flaked_day end,
        flaked_branch = case when ${tx.unsafe(BECOMES_FLAKY)} then ${branch} else c.flaked_branch end
      returning test_id, passes, fails, flaked_day, flaked_branch
    )
    -- The counts before are the counts after minus the input: no read of the old rows needed.
    select u.test_id as "testId",
      case when u.passes > 0 and u.fails > 0 then 1 else -1 end as change,
      u.flaked_day::text as day, u.flaked_branch as branch
    from upserted u join input i using (test_id)
    where (u.passes > 0 and u.fails > 0) <> (u.passes - i.passes > 0 and u.fails - i.fails > 0)`;
  return changes;
}
