import type { TxSql } from '../db/client.ts';
import { numberArray } from '../db/array-literal.ts';
import { handled } from '../db/pipelining.ts';
import type { Outcome } from '../domain/report.ts';
import { applyCommitCounters, applyCommitFlakes } from './commit-flakes.ts';
import { combineCounters, deltaColumns, flakeRateSql } from '../db/counter-sql.ts';
import type { PartScope } from './part-scope.ts';
import { dayOf } from '../domain/window.ts';

/** What one stored result contributes to the counters. */
export interface CountedResult {
  testId: string;
  outcome: Outcome;
  durationMs: number;
  failedDurationMs: number;
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
 * day per branch, per project per day per branch, test_stats' window counters (when the day is
 * inside the project's current window), and the commit's failed pairs (commit-flakes.ts). Cost is
 * proportional to the part (and, for its failed pairs, to the commit's results), never to
 * history. Returns the tests whose commit became a flake of the current window.
 */
export async function applyPartCounters(
  tx: TxSql,
  scope: PartScope,
  results: readonly CountedResult[],
  sign: 1 | -1,
  windowStart: string,
): Promise<string[]> {
  if (results.length === 0) return [];
  const branch = scope.branch ?? '';
  const day = dayOf(scope.createdAt);
  const deltas = testDeltas(results, sign);
  const commit = scope.commit;
  // The commit's pairs are read first; the deltas' statements run meanwhile, and the pairs'
  // writes are sent before they end.
  const pairs = commit
    ? applyCommitCounters(
        tx,
        { ...scope, commit },
        deltas.map((d) => ({
          testId: d.testId,
          passes: d.expectedRuns + d.flakyRuns,
          fails: d.failedRuns,
        })),
        day,
        branch,
        windowStart,
      )
    : { changes: [], flaked: [], written: null };
  const applied = handled(applyTestDeltas(tx, scope, deltas, day, branch, day >= windowStart));
  const { changes, flaked, written } = await pairs;
  await Promise.all([
    written,
    changes.length > 0 ? applyCommitFlakes(tx, scope.projectId, changes, windowStart) : null,
    applied,
  ]);
  return flaked;
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
  // One statement: the data-modifying CTEs run with the MERGE, and the deltas are sent once.
  await tx`
    with d as (
      select * from unnest(${ids}::bigint[], ${column('runs')}::int[], ${column('expectedRuns')}::int[],
        ${column('flakyRuns')}::int[], ${column('failedRuns')}::int[], ${column('skippedRuns')}::int[],
        ${column('durationMs')}::bigint[], ${column('wastedMs')}::bigint[])
        as d(test_id, runs, expected_runs, flaky_runs, failed_runs, skipped_runs, duration_ms, wasted_ms)
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
    ),
    windows as (
      update project_windows set tests_in_window = tests_in_window
        + (select coalesce(sum(entered), 0) from updated) + (select coalesce(sum(entered), 0) from inserted)
      where project_id = ${scope.projectId}
    )
    -- MERGE finds each daily row by primary key and updates or inserts it, without the speculative
    -- insertion and row lock of INSERT … ON CONFLICT (a third cheaper here); uploads of a project
    -- hold its window lock, so no other one inserts these keys.
    merge into test_daily_stats s
    using d
    on s.project_id = ${scope.projectId} and s.test_id = d.test_id and s.day = ${day}::date
      and s.branch = ${branch}
    when matched then update set ${tx.unsafe(combineCounters('s', 'd', '+', deltaColumns))}
    when not matched then insert (project_id, test_id, day, branch, runs, expected_runs, flaky_runs,
      failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
    values (${scope.projectId}, d.test_id, ${day}::date, ${branch}, d.runs, d.expected_runs,
      d.flaky_runs, d.failed_runs, d.skipped_runs, 0, d.duration_ms, d.wasted_ms)`;
}
