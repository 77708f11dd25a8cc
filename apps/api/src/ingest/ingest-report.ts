import type { Sql, TxSql } from '../db/client.ts';
import { ensurePartitions, monthStart } from '../db/partitions.ts';
import {
  deletePart,
  findDuplicatePart,
  findPartByShard,
  insertPart,
  listOtherParts,
  listPartResults,
} from '../db/queries/run-parts.ts';
import { insertResults } from '../db/queries/results.ts';
import { lockRunForUpload, refreshRunFromParts, type LockedRun } from '../db/queries/runs.ts';
import { resolveTestIds } from '../db/queries/tests.ts';
import type { TestIdCache } from '../db/test-id-cache.ts';
import { applyPartCounters, type PartScope } from '../flakiness/counters.ts';
import { updateFlakyStates } from '../flakiness/flaky-state.ts';
import type { ModelConfig } from '../flakiness/model.ts';
import { lockProjectWindow } from '../flakiness/window.ts';
import type { NormalizedReport } from './types.ts';
import { splitParallelJob, type UploadMetadata } from './upload-metadata.ts';

export interface IngestSettings extends ModelConfig {
  windowDays: number;
  massFailureRatio: number;
}

export interface IngestInput {
  projectId: string;
  report: NormalizedReport;
  meta: UploadMetadata;
  /** SHA-256 of the report bytes. */
  contentHash: string;
  idempotencyKey?: string | undefined;
  settings: IngestSettings;
  /** Used as the run's start when the report has none (a run aborted before any test). */
  receivedAt?: Date;
  /** Ids of the project's known tests, kept between uploads. */
  testIdCache?: TestIdCache;
}

export interface IngestOutcome {
  runId: string;
  /** false when this report was stored before: nothing changed. */
  created: boolean;
  /** Tests this upload made flaky (active). */
  newlyDetected: string[];
}

const UNIQUE_VIOLATION = '23505';

/** Raised inside the transaction to roll it back when a duplicate turns up mid-way. */
class DuplicateUpload extends Error {
  constructor(readonly runId: string) {
    super('duplicate upload');
  }
}

/**
 * Stores one uploaded report as a part of its run, in one transaction: the run is found by
 * (project, pipeline, job) or created, the part replaces an earlier upload of the same shard, the
 * run's totals are recomputed from its parts, and the flakiness counters and states of the tests in
 * the part are brought up to date. The same report (or Idempotency-Key) again changes nothing and
 * returns the run it went into.
 */
export async function ingestReport(sql: Sql, input: IngestInput): Promise<IngestOutcome> {
  const { projectId, report } = input;
  const unchanged = (runId: string): IngestOutcome => ({
    runId,
    created: false,
    newlyDetected: [],
  });
  const existing = await findDuplicatePart(sql, projectId, input.contentHash, input.idempotencyKey);
  if (existing) return unchanged(existing.runId);

  const { job, shard: jobShard } = splitParallelJob(input.meta.job);
  const shard =
    input.meta.shard ??
    (report.shard ? `${report.shard.current}/${report.shard.total}` : undefined) ??
    jobShard ??
    '';
  const startedAt = report.startedAt
    ? new Date(report.startedAt)
    : (input.receivedAt ?? new Date());

  const keys = report.results.map((r) => r.identityKey);
  const cachedIds = input.testIdCache?.lookup(projectId, keys) ?? [];
  let storedIds: string[] | undefined;
  try {
    const outcome = await sql.begin(async (tx) => {
      // Each statement planned for its own arguments: a plan cached for "some arrays" takes them
      // to be 10 elements long and can loop over 10,000 of them per row (seconds, not ms).
      const customPlans = tx`set local plan_cache_mode = force_custom_plan`.execute();
      // Lock order for every upload: project window, then run.
      const windowStart = await lockProjectWindow(tx, projectId, input.settings.windowDays);
      await customPlans;
      const run = await lockRunForUpload(tx, projectId, { ...input.meta, job }, startedAt);
      // Checked again under the locks: an identical upload may have committed meanwhile.
      const duplicate = await findDuplicatePart(
        tx,
        projectId,
        input.contentHash,
        input.idempotencyKey,
      );
      if (duplicate) throw new DuplicateUpload(duplicate.runId);

      const scope = (createdAt: Date, uncountedPartIds: readonly string[] = []): PartScope => ({
        projectId,
        createdAt,
        branch: run.branch,
        commit: run.commit,
        uncountedPartIds,
      });
      const previous = await findPartByShard(tx, projectId, run.id, shard);
      const replacedTestIds = new Set<string>();
      if (previous) {
        const stored = await listPartResults(tx, projectId, run.id, previous);
        for (const result of stored) replacedTestIds.add(result.testId);
        if (!run.excludedFromStats) {
          await applyPartCounters(tx, scope(previous.startedAt), stored, -1, windowStart);
        }
        await deletePart(tx, previous);
      }

      const partId = await insertPart(tx, {
        projectId,
        runId: run.id,
        shard,
        contentHash: input.contentHash,
        idempotencyKey: input.idempotencyKey,
        startedAt,
        report,
      });
      const { excludedFromStats } = await refreshRunFromParts(
        tx,
        projectId,
        run.id,
        input.settings.massFailureRatio,
      );
      await recountOtherParts(tx, run, partId, excludedFromStats, windowStart, scope);
      const testIds = await resolveTestIds(tx, projectId, report.results, startedAt, cachedIds);
      storedIds = testIds;
      await ensurePartitions(tx, [monthStart(startedAt)]);
      const inserted = insertResults(tx, {
        projectId,
        runId: run.id,
        partId,
        createdAt: startedAt,
        results: report.results,
        testIds,
      });
      // A mass-failure run is stored and shown, but counts for nothing in flakiness statistics.
      if (excludedFromStats) {
        await inserted;
        return { runId: run.id, created: true, newlyDetected: [] };
      }
      const counted = report.results.map((r, i) => ({
        testId: testIds[i] as string,
        outcome: r.outcome,
        durationMs: r.durationMs,
        failedDurationMs: r.failedDurationMs,
        repeatIndex: r.repeatIndex,
      }));
      // Sent without waiting for the insert: the counters read nothing it writes.
      const [, commitChanges] = await Promise.all([
        inserted,
        applyPartCounters(tx, scope(startedAt, [partId]), counted, 1, windowStart),
      ]);
      const { newlyDetected } = await updateFlakyStates(tx, {
        projectId,
        at: startedAt,
        results: counted,
        commitFlakeTestIds: new Set(
          commitChanges.filter((c) => c.change === 1).map((c) => c.testId),
        ),
        replacedTestIds,
        config: input.settings,
      });
      return { runId: run.id, created: true, newlyDetected };
    });
    if (storedIds) input.testIdCache?.remember(projectId, keys, storedIds);
    return outcome;
  } catch (error) {
    if (error instanceof DuplicateUpload) return unchanged(error.runId);
    if (isUniqueViolation(error)) {
      // Two identical uploads raced past the first check; the other one won.
      const winner = await findDuplicatePart(
        sql,
        projectId,
        input.contentHash,
        input.idempotencyKey,
      );
      if (winner) return unchanged(winner.runId);
    }
    throw error;
  }
}

/**
 * When this part tips the run over (or back under) the mass-failure guard, the run's other parts
 * leave (or rejoin) the statistics with it.
 */
async function recountOtherParts(
  tx: TxSql,
  run: LockedRun,
  newPartId: string,
  excludedNow: boolean,
  windowStart: string,
  scope: (createdAt: Date, uncountedPartIds?: readonly string[]) => PartScope,
): Promise<void> {
  if (excludedNow === run.excludedFromStats) return;
  const others = await listOtherParts(tx, run.projectId, run.id, newPartId);
  for (const [index, other] of others.entries()) {
    const stored = await listPartResults(tx, run.projectId, run.id, other);
    // Rejoining parts are re-added one by one: those not re-added yet are not counted.
    const uncounted = [newPartId, ...others.slice(index).map((part) => part.id)];
    await applyPartCounters(
      tx,
      scope(other.startedAt, uncounted),
      stored,
      excludedNow ? -1 : 1,
      windowStart,
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === UNIQUE_VIOLATION
  );
}
