/**
 * Where a commit flake is counted (DESIGN.md §4), exactly for every window and branch filter.
 *
 * A (test, commit) pair is a commit flake in a scope (one branch, or all branches) over the window
 * starting on day S iff the scope has both a passing and an unexpected result of it on or after S,
 * that is iff min(latest passing day, latest failing day) ≥ S. Counting the flake in the daily
 * aggregates on that day D makes the sum of the days ≥ S exact for every S, and a window moving
 * forward stays exact without an upload. D moves when results arrive or leave; each move is a −1 on
 * the old day and a +1 on the new one.
 */

/** A pair's latest counted results on one branch ('' when the run has none), as YYYY-MM-DD. */
export interface BranchDays {
  branch: string;
  lastPassDay: string | null;
  lastFailDay: string | null;
}

/** The daily row a flake is counted on. */
export interface FlakeDay {
  day: string;
  branch: string;
}

export interface FlakeDays {
  /** All branches together (commit_flakes), or null when the pair is no flake. */
  all: FlakeDay | null;
  /** Each branch on its own (branch_commit_flakes): branch → day. */
  byBranch: Map<string, string>;
}

const latest = (days: (string | null)[]): string | null =>
  days.reduce<string | null>((max, d) => (d !== null && (max === null || d > max) ? d : max), null);

export function flakeDaysOf(rows: readonly BranchDays[]): FlakeDays {
  const byBranch = new Map<string, string>();
  for (const row of rows) {
    if (row.lastPassDay !== null && row.lastFailDay !== null) {
      byBranch.set(
        row.branch,
        row.lastPassDay < row.lastFailDay ? row.lastPassDay : row.lastFailDay,
      );
    }
  }
  const pass = latest(rows.map((r) => r.lastPassDay));
  const fail = latest(rows.map((r) => r.lastFailDay));
  if (pass === null || fail === null) return { all: null, byBranch };
  const day = pass < fail ? pass : fail;
  // Any branch with a result on that day would do; the first by name makes the choice a function
  // of the stored rows, so the flake is taken back from the row it was added to.
  const branch = rows
    .filter((r) => r.lastPassDay === day || r.lastFailDay === day)
    .map((r) => r.branch)
    .sort()[0] as string;
  return { all: { day, branch }, byBranch };
}

/** A move of one pair's flake in the daily aggregates: −1 where it was, +1 where it is. */
export interface CommitFlakeChange {
  testId: string;
  day: string;
  branch: string;
  /** Change of commit_flakes (all branches) on that row. */
  commitFlakes: number;
  /** Change of branch_commit_flakes (that branch alone) on that row. */
  branchCommitFlakes: number;
}

/** The changes that take a pair's flakes from `before` to `after`. */
export function diffFlakeDays(
  testId: string,
  before: FlakeDays,
  after: FlakeDays,
): CommitFlakeChange[] {
  const changes: CommitFlakeChange[] = [];
  const same = (a: FlakeDay | null, b: FlakeDay | null) =>
    a?.day === b?.day && a?.branch === b?.branch;
  if (!same(before.all, after.all)) {
    if (before.all)
      changes.push({ testId, ...before.all, commitFlakes: -1, branchCommitFlakes: 0 });
    if (after.all) changes.push({ testId, ...after.all, commitFlakes: 1, branchCommitFlakes: 0 });
  }
  for (const branch of new Set([...before.byBranch.keys(), ...after.byBranch.keys()])) {
    const was = before.byBranch.get(branch);
    const is = after.byBranch.get(branch);
    if (was === is) continue;
    if (was !== undefined)
      changes.push({ testId, day: was, branch, commitFlakes: 0, branchCommitFlakes: -1 });
    if (is !== undefined)
      changes.push({ testId, day: is, branch, commitFlakes: 0, branchCommitFlakes: 1 });
  }
  return changes;
}

/** Did the pair become a commit flake of the window starting on `windowStart` (all branches)? */
export function enteredWindow(before: FlakeDays, after: FlakeDays, windowStart: string): boolean {
  const counted = (d: FlakeDays) => d.all !== null && d.all.day >= windowStart;
  return counted(after) && !counted(before);
}
