import type { TxSql } from '../db/client.ts';
import { numberArray, textArray } from '../db/array-literal.ts';
import { handled } from '../db/pipelining.ts';
import {
  diffFlakeDays,
  enteredWindow,
  flakeDaysOf,
  type BranchDays,
  type CommitFlakeChange,
} from './commit-flake-days.ts';
import { flakeRateSql } from '../db/counter-sql.ts';
import type { PartScope } from './part-scope.ts';

/**
 * Commit flakes (DESIGN.md §4), counted per scope on the day of commit-flake-days.ts.
 *
 * test_commit_stats keeps, for each (test, commit) pair that has failed, one row per branch with
 * the days of the pair's latest counted pass and failure there: a flake needs a failure, and
 * failures are few, so an upload of a green suite writes nothing here. When a part is added or
 * taken out, the pairs it touches that have a failure are read again from the commit's own stored
 * results (its counted parts), and their flakes move from the days the stored rows give to the
 * days the results give.
 */

/** A part's passes and fails of one test (negative when the part is taken out). */
export interface CommitDelta {
  testId: string;
  passes: number;
  fails: number;
}

interface PairRow extends BranchDays {
  testId: string;
}

/**
 * Applies a part's deltas to its commit's pairs: returns the flakes' moves in the daily
 * aggregates, the tests whose commit became a flake of the window starting on `windowStart`, and
 * the pairs' write, sent but not waited for. The part is in `scope.uncountedPartIds`: its stored
 * results are not read; when added (positive deltas), its results count on `day` and `branch`.
 */
export async function applyCommitCounters(
  tx: TxSql,
  scope: PartScope & { commit: string },
  deltas: readonly CommitDelta[],
  day: string,
  branch: string,
  windowStart: string,
): Promise<{ changes: CommitFlakeChange[]; flaked: string[]; written: Promise<void> | null }> {
  const input = new Map(
    deltas.filter((d) => d.passes !== 0 || d.fails !== 0).map((d) => [d.testId, d]),
  );
  const none = { changes: [], flaked: [], written: null };
  if (input.size === 0) return none;
  // Sent together: the commit's failed pairs (an index range of (project, commit), empty for a
  // new commit), and the stored results of the tests failing now (few: failures are).
  const failing = [...input.values()].filter((d) => d.fails > 0).map((d) => d.testId);
  const [stored, failingDays] = await Promise.all([
    tx<PairRow[]>`
      select test_id as "testId", branch, last_pass_day::text as "lastPassDay",
        last_fail_day::text as "lastFailDay"
      from test_commit_stats where project_id = ${scope.projectId} and commit = ${scope.commit}`,
    readCommitDays(tx, scope, failing),
  ]);
  const before = groupByTest(stored.filter((row) => input.has(row.testId)));
  // A pair that never failed has no row: only a failure can make it one to follow.
  const others = [...before.keys()].filter((testId) => !failing.includes(testId));
  const after = groupByTest([...failingDays, ...(await readCommitDays(tx, scope, others))]);

  const changes: CommitFlakeChange[] = [];
  const flaked: string[] = [];
  const written: { testId: string; rows: BranchDays[] }[] = [];
  for (const testId of [...failing, ...others]) {
    const d = input.get(testId) as CommitDelta;
    const rows = withPart(after.get(testId) ?? [], d, day, branch);
    const pair = rows.some((r) => r.lastFailDay !== null) ? rows : [];
    const was = before.get(testId) ?? [];
    if (sameRows(was, pair)) continue;
    const [from, to] = [flakeDaysOf(was), flakeDaysOf(pair)];
    changes.push(...diffFlakeDays(testId, from, to));
    if (enteredWindow(from, to, windowStart)) flaked.push(testId);
    written.push({ testId, rows: pair });
  }
  return {
    changes,
    flaked,
    written: written.length > 0 ? handled(writePairs(tx, scope, written)) : null,
  };
}

function groupByTest(rows: readonly PairRow[]): Map<string, BranchDays[]> {
  const byTest = new Map<string, BranchDays[]>();
  for (const { testId, ...days } of rows) {
    byTest.set(testId, [...(byTest.get(testId) ?? []), days]);
  }
  return byTest;
}

/** The pair's rows with the part's own results added, when it is being added. */
function withPart(
  rows: readonly BranchDays[],
  d: CommitDelta,
  day: string,
  branch: string,
): BranchDays[] {
  if (d.passes <= 0 && d.fails <= 0) return [...rows];
  const own = rows.find((r) => r.branch === branch) ?? {
    branch,
    lastPassDay: null,
    lastFailDay: null,
  };
  const later = (a: string | null) => (a === null || day > a ? day : a);
  const merged = {
    branch,
    lastPassDay: d.passes > 0 ? later(own.lastPassDay) : own.lastPassDay,
    lastFailDay: d.fails > 0 ? later(own.lastFailDay) : own.lastFailDay,
  };
  return [...rows.filter((r) => r.branch !== branch), merged];
}

const sameRows = (a: readonly BranchDays[], b: readonly BranchDays[]) => {
  const key = (rows: readonly BranchDays[]) =>
    JSON.stringify([...rows].sort((x, y) => (x.branch < y.branch ? -1 : 1)));
  return key(a) === key(b);
};

/**
 * Per test and branch, the days of the latest passing and unexpected results on the scope's
 * commit, in the commit's counted parts (not those in `scope.uncountedPartIds`).
 */
async function readCommitDays(
  tx: TxSql,
  scope: PartScope & { commit: string },
  testIds: readonly string[],
): Promise<PairRow[]> {
  if (testIds.length === 0) return [];
  // Each (test, part) is one probe of the results' (test_id, created_at, run_id, part_id) key.
  return tx<PairRow[]>`
    select tr.test_id as "testId", coalesce(r.branch, '') as branch,
      (max((p.started_at at time zone 'UTC')::date) filter (where tr.outcome in ('expected', 'flaky')))::text
        as "lastPassDay",
      (max((p.started_at at time zone 'UTC')::date) filter (where tr.outcome = 'unexpected'))::text
        as "lastFailDay"
    from runs r
    join run_parts p on p.project_id = r.project_id and p.run_id = r.id
    join test_results tr on tr.project_id = r.project_id and tr.test_id = any(${numberArray(testIds)}::bigint[])
      and tr.created_at = p.started_at and tr.run_id = p.run_id and tr.part_id = p.id
    where r.project_id = ${scope.projectId} and r.commit = ${scope.commit} and not r.excluded_from_stats
      and p.id <> all(${numberArray(scope.uncountedPartIds)}::bigint[])
      and tr.outcome <> 'skipped'
    group by tr.test_id, coalesce(r.branch, '')`;
}

/** Stores the pairs' new rows; a pair left without failures has none. */
async function writePairs(
  tx: TxSql,
  scope: PartScope & { commit: string },
  pairs: readonly { testId: string; rows: readonly BranchDays[] }[],
): Promise<void> {
  const rows = pairs.flatMap((p) => p.rows.map((row) => ({ testId: p.testId, ...row })));
  await tx`
    with c as (
      select * from unnest(${numberArray(rows.map((r) => r.testId))}::bigint[],
        ${textArray(rows.map((r) => r.branch))}::text[], ${numberArray(rows.map((r) => r.lastPassDay))}::date[],
        ${numberArray(rows.map((r) => r.lastFailDay))}::date[])
        as c(test_id, branch, last_pass_day, last_fail_day)
    ),
    upserted as (
      insert into test_commit_stats as s (project_id, commit, test_id, branch, last_pass_day, last_fail_day)
      select ${scope.projectId}, ${scope.commit}, test_id, branch, last_pass_day, last_fail_day from c
      on conflict (project_id, commit, test_id, branch) do update set
        last_pass_day = excluded.last_pass_day, last_fail_day = excluded.last_fail_day
    )
    delete from test_commit_stats s
    where s.project_id = ${scope.projectId} and s.commit = ${scope.commit}
      and s.test_id = any(${numberArray(pairs.map((p) => p.testId))}::bigint[])
      and not exists (select 1 from c where c.test_id = s.test_id and c.branch = s.branch)`;
}

/** The flakes' moves, into the daily aggregates and test_stats' window counters. */
export async function applyCommitFlakes(
  tx: TxSql,
  projectId: string,
  changes: readonly CommitFlakeChange[],
  windowStart: string,
): Promise<void> {
  const column = (key: 'commitFlakes' | 'branchCommitFlakes') =>
    numberArray(changes.map((c) => c[key]));
  await tx`
    with c as (
      select * from unnest(${numberArray(changes.map((c) => c.testId))}::bigint[],
        ${numberArray(changes.map((c) => c.day))}::date[], ${textArray(changes.map((c) => c.branch))}::text[],
        ${column('commitFlakes')}::int[], ${column('branchCommitFlakes')}::int[])
        as c(test_id, day, branch, commit_flakes, branch_commit_flakes)
    ),
    daily as (
      insert into test_daily_stats as s (project_id, test_id, day, branch, commit_flakes, branch_commit_flakes)
      select ${projectId}, test_id, day, branch, sum(commit_flakes), sum(branch_commit_flakes)
      from c group by test_id, day, branch
      on conflict (project_id, test_id, day, branch) do update set
        commit_flakes = s.commit_flakes + excluded.commit_flakes,
        branch_commit_flakes = s.branch_commit_flakes + excluded.branch_commit_flakes
    ),
    project_daily as (
      insert into project_daily_stats as s (project_id, day, branch, commit_flakes, branch_commit_flakes)
      select ${projectId}, day, branch, sum(commit_flakes), sum(branch_commit_flakes)
      from c group by day, branch
      on conflict (project_id, day, branch) do update set
        commit_flakes = s.commit_flakes + excluded.commit_flakes,
        branch_commit_flakes = s.branch_commit_flakes + excluded.branch_commit_flakes
    ),
    w as (
      select test_id, sum(commit_flakes)::int as commit_flakes from c
      where day >= ${windowStart}::date and commit_flakes <> 0
      group by test_id
    )
    update test_stats s set
      commit_flakes = s.commit_flakes + w.commit_flakes,
      flake_rate = ${tx.unsafe(flakeRateSql('s.runs', 's.flaky_runs + s.commit_flakes + w.commit_flakes'))}
    from w
    where s.project_id = ${projectId} and s.test_id = w.test_id`;
}
