import { jsonParam, type TxSql } from '../db/client.ts';
import { numberArray } from '../db/array-literal.ts';
import { handled } from '../db/pipelining.ts';
import type { Outcome } from '../domain/report.ts';
import { nextFlakyState, type FlakyState, type FlakyWindow, type ModelConfig } from './model.ts';

export interface StoredResult {
  testId: string;
  outcome: Outcome;
  repeatIndex: number;
}

interface StateRow extends FlakyState {
  testId: string;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
}

/**
 * Moves the tests of a stored part through the state model (model.ts), after their counters were
 * applied. Only two kinds of test can change state: those with a flaky event in the part, and
 * those already active (whose clean streak may resolve them). Any other test's clean streak is
 * irrelevant (a test becomes active only on a flaky event, which resets it), so its row is left
 * alone: an upload of a mostly green suite touches a handful of rows here, not one per test.
 * Returns the tests that became active, and the states' write: sent, not waited for.
 */
export async function updateFlakyStates(
  tx: TxSql,
  options: {
    projectId: string;
    at: Date;
    results: readonly StoredResult[];
    commitFlakeTestIds: ReadonlySet<string>;
    /** Tests whose result replaces one of a re-uploaded shard: not a new run for their streak. */
    replacedTestIds?: ReadonlySet<string>;
    config: ModelConfig & { window: FlakyWindow };
  },
): Promise<{ newlyDetected: string[]; written: Promise<unknown> | null }> {
  if (options.results.length === 0) return { newlyDetected: [], written: null };
  const withEvents = new Set<string>();
  for (const r of options.results) {
    if (r.outcome === 'flaky' || options.commitFlakeTestIds.has(r.testId)) withEvents.add(r.testId);
  }
  // The project's active tests (a partial-index range, small next to a suite) rather than a
  // lookup of every test of the upload; those not in the upload are dropped below.
  const rows = await tx<StateRow[]>`
    select test_id as "testId", status, resolution, first_detected_at as "firstDetectedAt",
      last_flaky_at as "lastFlakyAt", resolved_at as "resolvedAt", clean_streak as "cleanStreak",
      streak_at as "streakAt",
      runs, flaky_runs as "flakyRuns", failed_runs as "failedRuns", commit_flakes as "commitFlakes"
    from test_stats
    where project_id = ${options.projectId}
      and (status = 'active' or test_id = any(${numberArray([...withEvents])}::bigint[]))`;
  const byTest = new Map(rows.map((row) => [row.testId, row]));
  // Repeats of one test (--repeat-each) move its state in order. The upload aged the project's
  // states to the window when it locked it (window.ts), so the rows read here are current.
  const ordered = options.results
    .filter((r) => byTest.has(r.testId))
    .sort((a, b) => Number(a.testId) - Number(b.testId) || a.repeatIndex - b.repeatIndex);

  const changed = new Map<string, FlakyState>();
  const newlyDetected: string[] = [];
  for (const result of ordered) {
    const row = byTest.get(result.testId);
    if (!row) continue;
    const before = changed.get(result.testId) ?? row;
    // The results that made a commit flaky (whichever came second, pass or fail) are its event.
    const commitFlake = options.commitFlakeTestIds.has(result.testId);
    const isEvent = result.outcome === 'flaky' || commitFlake;
    if (!isEvent && options.replacedTestIds?.has(result.testId)) continue;
    const after = nextFlakyState(
      before,
      { outcome: result.outcome, at: options.at, commitFlake },
      row,
      options.config,
    );
    if (after.status === 'active' && before.status !== 'active') newlyDetected.push(result.testId);
    changed.set(result.testId, after);
  }

  const updates = [...changed].map(([testId, s]) => ({
    test_id: testId,
    status: s.status,
    resolution: s.resolution,
    first_detected_at: s.firstDetectedAt,
    last_flaky_at: s.lastFlakyAt,
    resolved_at: s.resolvedAt,
    clean_streak: s.cleanStreak,
    streak_at: s.streakAt,
  }));
  const written =
    updates.length === 0
      ? null
      : handled(
          tx`
      with incoming as (
        select * from jsonb_to_recordset(${jsonParam(tx, updates)}) as u(
          test_id bigint, status text, resolution text, first_detected_at timestamptz,
          last_flaky_at timestamptz, resolved_at timestamptz, clean_streak int, streak_at timestamptz)
      )
      update test_stats s set status = u.status, resolution = u.resolution,
        first_detected_at = u.first_detected_at, last_flaky_at = u.last_flaky_at,
        resolved_at = u.resolved_at, clean_streak = u.clean_streak, streak_at = u.streak_at,
        listed_runs = case when u.status is not null then s.runs end,
        listed_last_seen_at = case when u.status is not null then s.last_seen_at end
      from incoming u
      where s.test_id = u.test_id and s.project_id = ${options.projectId}`.execute(),
        );
  return { newlyDetected: newlyDetected.sort((a, b) => Number(a) - Number(b)), written };
}
