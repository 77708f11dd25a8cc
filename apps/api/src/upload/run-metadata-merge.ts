import type { TxSql } from '../db/client.ts';
import { listPartResults, listParts } from '../db/queries/run-parts.ts';
import type { LockedRun } from '../db/queries/runs.ts';
import { applyPartCounters } from '../flakiness/counters.ts';
import type { PartScope } from '../flakiness/part-scope.ts';

/**
 * One run, one set of metadata (DESIGN.md §5): every part of a run counts under the run's branch
 * and commit. A part may fill in a value the run lacked, never contradict one.
 */

type Fields = Partial<Record<'branch' | 'commit', string>>;

/** A part whose branch or commit differs from its run's; answered 409, nothing stored. */
export class RunMetadataConflict extends Error {
  constructor(
    /** The differing values: the run's, and the part's. */
    readonly run: Fields,
    readonly part: Fields,
  ) {
    super(
      Object.keys(run)
        .map(
          (f) =>
            `the run's ${f} is "${run[f as keyof Fields]}", this part's is "${part[f as keyof Fields]}"`,
        )
        .join('; '),
    );
  }
}

/** Throws RunMetadataConflict when the part says another branch or commit than its run. */
export function refuseConflictingMetadata(
  run: LockedRun,
  part: { branch?: string | undefined; commit?: string | undefined },
): void {
  const known: Fields = {};
  const said: Fields = {};
  for (const field of ['branch', 'commit'] as const) {
    const value = part[field];
    const earlier = field === 'branch' ? run.earlierBranch : run.earlierCommit;
    if (value !== undefined && earlier !== null && value !== earlier) {
      known[field] = earlier;
      said[field] = value;
    }
  }
  if (Object.keys(known).length > 0) throw new RunMetadataConflict(known, said);
}

/**
 * When this part fills in the run's branch or commit, the run's stored parts leave the counters
 * under the old values and come back under the new ones, so every count ends as if all parts had
 * carried them. Rare (a first shard uploaded without them), and bounded by the run's own parts.
 */
export async function recountFilledInParts(
  tx: TxSql,
  run: LockedRun,
  windowStart: string,
): Promise<void> {
  const filled = run.earlierBranch !== run.branch || run.earlierCommit !== run.commit;
  // An excluded run counts for nothing: it is counted under its new values if it ever rejoins.
  if (!run.existed || !filled || run.excludedFromStats) return;
  const scope = (
    part: { id: string; startedAt: Date },
    branch: string | null,
    commit: string | null,
  ): PartScope => ({
    projectId: run.projectId,
    createdAt: part.startedAt,
    branch,
    commit,
    uncountedPartIds: [part.id],
  });
  for (const part of await listParts(tx, run.projectId, run.id)) {
    const stored = await listPartResults(tx, run.projectId, run.id, part);
    const before = scope(part, run.earlierBranch, run.earlierCommit);
    await applyPartCounters(tx, before, stored, -1, windowStart);
    await applyPartCounters(tx, scope(part, run.branch, run.commit), stored, 1, windowStart);
  }
}
