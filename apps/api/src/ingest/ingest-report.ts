import type { Sql } from '../db/client.ts';
import { ensurePartitions, monthStart } from '../db/partitions.ts';
import {
  deletePart,
  findDuplicatePart,
  findPartByShard,
  insertPart,
} from '../db/queries/run-parts.ts';
import { insertResults } from '../db/queries/results.ts';
import { lockRunForUpload, refreshRunFromParts } from '../db/queries/runs.ts';
import { upsertTests } from '../db/queries/tests.ts';
import type { NormalizedReport } from './types.ts';
import { splitParallelJob, type UploadMetadata } from './upload-metadata.ts';

export interface IngestInput {
  projectId: string;
  report: NormalizedReport;
  meta: UploadMetadata;
  /** SHA-256 of the report bytes. */
  contentHash: string;
  idempotencyKey?: string | undefined;
  massFailureRatio: number;
  /** Used as the run's start when the report has none (a run aborted before any test). */
  receivedAt?: Date;
}

export interface IngestOutcome {
  runId: string;
  /** false when this report was stored before: nothing changed. */
  created: boolean;
  /** Test ids of this upload's results, by outcome. */
  testIdsByOutcome: Map<string, string[]>;
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
 * (project, pipeline, job) or created, the part replaces an earlier upload of the same shard, and
 * the run's totals are recomputed from its parts. The same report (or Idempotency-Key) again
 * changes nothing and returns the run it went into.
 */
export async function ingestReport(sql: Sql, input: IngestInput): Promise<IngestOutcome> {
  const { projectId, report } = input;
  const existing = await findDuplicatePart(sql, projectId, input.contentHash, input.idempotencyKey);
  if (existing) return { runId: existing.runId, created: false, testIdsByOutcome: new Map() };

  const { job, shard: jobShard } = splitParallelJob(input.meta.job);
  const shard =
    input.meta.shard ??
    (report.shard ? `${report.shard.current}/${report.shard.total}` : undefined) ??
    jobShard ??
    '';
  const startedAt = report.startedAt
    ? new Date(report.startedAt)
    : (input.receivedAt ?? new Date());

  try {
    return await sql.begin(async (tx) => {
      const runId = await lockRunForUpload(tx, projectId, { ...input.meta, job }, startedAt);
      // Checked again under the run's lock: an identical upload may have committed meanwhile.
      const duplicate = await findDuplicatePart(
        tx,
        projectId,
        input.contentHash,
        input.idempotencyKey,
      );
      if (duplicate) throw new DuplicateUpload(duplicate.runId);

      const previous = await findPartByShard(tx, runId, shard);
      if (previous) await deletePart(tx, previous);

      const partId = await insertPart(tx, {
        projectId,
        runId,
        shard,
        contentHash: input.contentHash,
        idempotencyKey: input.idempotencyKey,
        startedAt,
        report,
      });
      const testIds = await upsertTests(tx, projectId, report.results, startedAt);
      await ensurePartitions(tx, [monthStart(startedAt)]);
      await insertResults(tx, {
        projectId,
        runId,
        partId,
        createdAt: startedAt,
        results: report.results,
        testIds,
      });
      await refreshRunFromParts(tx, runId, input.massFailureRatio);

      const byOutcome = new Map<string, Set<string>>();
      for (const result of report.results) {
        const ids = byOutcome.get(result.outcome) ?? new Set<string>();
        ids.add(testIds.get(result.identityHash) as string);
        byOutcome.set(result.outcome, ids);
      }
      const testIdsByOutcome = new Map([...byOutcome].map(([k, ids]) => [k, [...ids]]));
      return { runId, created: true, testIdsByOutcome };
    });
  } catch (error) {
    if (error instanceof DuplicateUpload) {
      return { runId: error.runId, created: false, testIdsByOutcome: new Map() };
    }
    if (isUniqueViolation(error)) {
      // Two identical uploads raced past the first check; the other one won.
      const winner = await findDuplicatePart(
        sql,
        projectId,
        input.contentHash,
        input.idempotencyKey,
      );
      if (winner) return { runId: winner.runId, created: false, testIdsByOutcome: new Map() };
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === UNIQUE_VIOLATION
  );
}
