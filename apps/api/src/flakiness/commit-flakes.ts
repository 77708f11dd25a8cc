import type { TxSql } from '../db/client.ts';
import { numberArray, textArray } from '../db/array-literal.ts';
import { handled } from '../db/pipelining.ts';
import { flakeRateSql, type PartScope } from './counter-sql.ts';

/**
 * Commit flakes (DESIGN.md §4): a commit on which a test has both a passing (expected or flaky)
 * and an unexpected result, counted once per commit, on the day and branch of the result that
 * made it one.
 *
 * test_commit_stats keeps a row only for the (test, commit) pairs that have failed: a flake needs
 * a failure, and failures are few, so an upload of a green suite writes nothing here. A row counts
 * the pair's passes and fails in the parts counted so far. When a pair fails for the first time,
 * its earlier passes are read from the stored results of the commit's other counted parts.
 */

/** A part's passes and fails of one test (negative when the part is taken out). */
export interface CommitDelta {
  testId: string;
  passes: number;
  fails: number;
}

export interface CommitFlakeChange {
  testId: string;
  /** +1: the commit became a flake for the test; −1: it stopped being one. */
  change: 1 | -1;
  /** Day and branch the flake is counted on. */
  day: string;
  branch: string;
}

interface CommitRow {
  testId: string;
  passes: number;
  fails: number;
  flakedDay: string | null;
  flakedBranch: string | null;
}

/**
 * Applies a part's deltas to its commit's pairs: returns the flakes that appeared or disappeared,
 * and the pairs' write, sent but not waited for. A pair's earlier passes are read from the
 * commit's counted parts only (not from `scope.uncountedPartIds`).
 */
export async function applyCommitCounters(
  tx: TxSql,
  scope: PartScope & { commit: string },
  deltas: readonly CommitDelta[],
  day: string,
  branch: string,
): Promise<{ changes: CommitFlakeChange[]; written: Promise<void> | null }> {
  const input = deltas.filter((d) => d.passes !== 0 || d.fails !== 0);
  if (input.length === 0) return { changes: [], written: null };
  // Sent together: the commit's failed pairs (an index range of (project, commit), empty for a
  // new commit), and the earlier passes of the tests failing now, for those failing for the
  // first time (few: failures are).
  const failing = input.filter((d) => d.fails > 0).map((d) => d.testId);
  const [stored, earlierPasses] = await Promise.all([
    tx<CommitRow[]>`
      select test_id as "testId", passes, fails, flaked_day::text as "flakedDay",
        flaked_branch as "flakedBranch"
      from test_commit_stats where project_id = ${scope.projectId} and commit = ${scope.commit}`,
    failing.length > 0 ? countCommitPasses(tx, scope, failing) : new Map<string, number>(),
  ]);
  const rows = new Map(stored.map((row) => [row.testId, row]));

  const changes: CommitFlakeChange[] = [];
  const written: CommitRow[] = [];
  for (const d of input) {
    const row = rows.get(d.testId);
    // A pair that never failed has no row: only a failure can start one.
    if (!row && d.fails <= 0) continue;
    const before = row ?? {
      testId: d.testId,
      passes: earlierPasses.get(d.testId) ?? 0,
      fails: 0,
      flakedDay: null,
      flakedBranch: null,
    };
    const after: CommitRow = {
      ...before,
      passes: before.passes + d.passes,
      fails: before.fails + d.fails,
    };
    const was = before.passes > 0 && before.fails > 0;
    const is = after.passes > 0 && after.fails > 0;
    if (is && !was) {
      after.flakedDay = day;
      after.flakedBranch = branch;
      changes.push({ testId: d.testId, change: 1, day, branch });
    } else if (was && !is) {
      // Taken back where it was counted.
      changes.push({
        testId: d.testId,
        change: -1,
        day: before.flakedDay ?? day,
        branch: before.flakedBranch ?? branch,
      });
    }
    written.push(after);
  }
  return {
    changes,
    written: written.length > 0 ? handled(writeCommitRows(tx, scope, written, day)) : null,
  };
}

/** Passes of each test on the scope's commit, in the commit's counted parts. */
async function countCommitPasses(
  tx: TxSql,
  scope: PartScope & { commit: string },
  testIds: readonly string[],
): Promise<Map<string, number>> {
  // Each (test, part) is one probe of the results' (test_id, created_at, run_id, part_id) key.
  const rows = await tx<{ testId: string; passes: number }[]>`
    select tr.test_id as "testId", count(*)::int as passes
    from runs r
    join run_parts p on p.project_id = r.project_id and p.run_id = r.id
    join test_results tr on tr.project_id = r.project_id and tr.test_id = any(${numberArray(testIds)}::bigint[])
      and tr.created_at = p.started_at and tr.run_id = p.run_id and tr.part_id = p.id
    where r.project_id = ${scope.projectId} and r.commit = ${scope.commit} and not r.excluded_from_stats
      and p.id <> all(${numberArray(scope.uncountedPartIds)}::bigint[])
      and tr.outcome in ('expected', 'flaky')
    group by tr.test_id`;
  return new Map(rows.map((row) => [row.testId, row.passes]));
}

/** Stores the pairs' new counts; a pair left without failures has no row. */
async function writeCommitRows(
  tx: TxSql,
  scope: PartScope & { commit: string },
  rows: readonly CommitRow[],
  day: string,
): Promise<void> {
  await tx`
    with c as (
      select * from unnest(${numberArray(rows.map((r) => r.testId))}::bigint[],
        ${numberArray(rows.map((r) => r.passes))}::int[], ${numberArray(rows.map((r) => r.fails))}::int[],
        ${numberArray(rows.map((r) => r.flakedDay))}::date[], ${textArray(rows.map((r) => r.flakedBranch))}::text[])
        as c(test_id, passes, fails, flaked_day, flaked_branch)
    ),
    upserted as (
      insert into test_commit_stats as s (project_id, commit, test_id, passes, fails, flaked_day, flaked_branch, last_day)
      select ${scope.projectId}, ${scope.commit}, test_id, passes, fails, flaked_day, flaked_branch, ${day}::date
      from c where fails > 0
      on conflict (project_id, commit, test_id) do update set
        passes = excluded.passes, fails = excluded.fails, flaked_day = excluded.flaked_day,
        flaked_branch = excluded.flaked_branch, last_day = greatest(s.last_day, excluded.last_day)
    )
    delete from test_commit_stats s using c
    where s.project_id = ${scope.projectId} and s.commit = ${scope.commit} and s.test_id = c.test_id
      and c.fails <= 0`;
}

/** Commit flakes that appeared or disappeared, into the daily aggregates and test_stats. */
export async function applyCommitFlakes(
  tx: TxSql,
  projectId: string,
  changes: readonly CommitFlakeChange[],
  windowStart: string,
): Promise<void> {
  await tx`
    with c as (
      select * from unnest(${numberArray(changes.map((c) => c.testId))}::bigint[],
        ${numberArray(changes.map((c) => c.change))}::int[], ${numberArray(changes.map((c) => c.day))}::date[],
        ${textArray(changes.map((c) => c.branch))}::text[]) as c(test_id, change, day, branch)
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
