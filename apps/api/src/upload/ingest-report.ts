import type { Sql, TxSql } from '../db/client.ts';
import {
  deletePart,
  findDuplicatePart,
  findPartByShard,
  insertPart,
  listParts,
  listPartResults,
  updatePartStatus,
} from '../db/queries/run-parts.ts';
import { enqueueDelivery } from '../db/queries/deliveries.ts';
import { readRunFlakiness, type RunFlakiness } from '../db/queries/run-flakiness.ts';
import {
  getRun,
  lockRunForUpload,
  refreshRunFromParts,
  setRunExcluded,
  type LockedRun,
  type RunRow,
} from '../db/queries/runs.ts';
import type { TestIdCache } from '../db/test-id-cache.ts';
import { applyPartCounters } from '../flakiness/counters.ts';
import type { PartScope } from '../flakiness/part-scope.ts';
import { updateFlakyStates } from '../flakiness/flaky-state.ts';
import { isMassFailure, type ModelConfig } from '../flakiness/model.ts';
import { windowStartDay } from '../domain/window.ts';
import { lockProjectWindow } from '../flakiness/window.ts';
import type { ReportReader } from '../report/report-reader.ts';
import type { NormalizedReport } from '../domain/report.ts';
import { lockUploadProject, ProjectGone } from './project-lock.ts';
import { prepareRunStart } from './start-time.ts';
import { refuseConflictingMetadata, recountFilledInParts } from './run-metadata-merge.ts';
import { storeResults, wholeReport } from './store-results.ts';
import { splitParallelJob, type UploadMetadata } from './upload-metadata.ts';

export interface IngestSettings extends ModelConfig {
  windowDays: number;
  massFailureRatio: number;
  /** How long a queued pull/merge request delivery waits for the run's other shards. */
  deliveryDelayMs?: number;
}

export interface IngestInput {
  projectId: string;
  report: ReportReader;
  meta: UploadMetadata;
  /** SHA-256 of the report bytes. */
  contentHash: string;
  idempotencyKey?: string | undefined;
  settings: IngestSettings;
  /** The current time: the default window ends on its day, and it is the run's start when the
   *  report has none (a run aborted before any test). */
  now: Date;
  /** Ids of the project's known tests, kept between uploads. */
  testIdCache?: TestIdCache;
  /** RETENTION_MONTHS: a run must start after now − that many months (and before now + 1 day). */
  retentionMonths: number;
  /** A live session's teardown: the report completes this run, and `prepare` runs in the
   *  transaction right after the run is locked (the session ends with the part's commit). */
  live?: { runId: string; prepare(tx: TxSql): Promise<void> };
  /** The request's deadline: once aborted, the transaction rolls back instead of committing. */
  signal?: AbortSignal | undefined;
}

export interface IngestOutcome {
  /** The run the report went into, as stored now. */
  run: RunRow;
  /** false when this report was stored before: nothing changed. */
  created: boolean;
  /** Tests this upload made flaky (active). */
  newlyDetected: string[];
  /** The run's flaky results and quarantine verdict, after this upload. */
  flakiness: RunFlakiness;
  /** Results this report stored (0 when it was stored before). */
  storedResults: number;
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
  const { projectId, now } = input;
  const stateWindow = {
    startDay: windowStartDay(input.settings.windowDays, now),
    days: input.settings.windowDays,
  };
  const answer = async (
    db: Sql | TxSql,
    runId: string,
    created: boolean,
    newlyDetected: string[] = [],
    storedResults = 0,
  ): Promise<IngestOutcome> => {
    const [run, flakiness] = await Promise.all([
      getRun(db, runId, projectId),
      readRunFlakiness(db, projectId, runId, stateWindow),
    ]);
    // Inside the upload's transaction the run is locked; outside it (a duplicate upload), the
    // project may have been deleted since the duplicate was found.
    if (!run) throw new ProjectGone(projectId);
    return { run, created, newlyDetected, flakiness, storedResults };
  };
  const existing = await findDuplicatePart(sql, projectId, input.contentHash, input.idempotencyKey);
  if (existing) return answer(sql, existing.runId, false);

  // A report without stats tells its start, duration and totals only through its tests: read
  // them all first. Otherwise they are read batch by batch while the part is stored.
  const whole = input.report.header ? undefined : input.report.finish();
  const header = input.report.header ?? (whole as NormalizedReport);
  const { job, shard: jobShard } = splitParallelJob(input.meta.job);
  const shard =
    input.meta.shard ??
    (header.shard ? `${header.shard.current}/${header.shard.total}` : undefined) ??
    jobShard ??
    '';
  const startedAt = header.startedAt ? new Date(header.startedAt) : now;
  await prepareRunStart(sql, startedAt, input.report.startTimeField, {
    now,
    retentionMonths: input.retentionMonths,
  });

  let rememberIds = () => {};
  try {
    const outcome = await sql.begin(async (tx) => {
      // Each statement planned for its own arguments: a plan cached for "some arrays" takes them
      // to be 10 elements long and can loop over 10,000 of them per row (seconds, not ms).
      const plans = (mode: 'auto' | 'force_custom_plan') =>
        tx`select set_config('plan_cache_mode', ${mode}, true)`.execute();
      const customPlans = plans('force_custom_plan');
      // The project first, on its own: a deleted project is refused as such (a failed statement
      // sent after it would fail the whole transaction with its own error).
      await lockUploadProject(tx, projectId);
      // Sent together; the server runs them in this order, which is the lock order of every
      // upload: project (locked just before), project window, then run. The duplicate check runs
      // again under the locks: an identical upload may have committed meanwhile.
      const [windowStart, run, duplicate] = await Promise.all([
        lockProjectWindow(tx, projectId, input.settings.windowDays, now),
        lockRunForUpload(tx, projectId, { ...input.meta, job }, startedAt, {
          runId: input.live?.runId,
        }),
        findDuplicatePart(tx, projectId, input.contentHash, input.idempotencyKey),
        customPlans,
      ]);
      if (duplicate) throw new DuplicateUpload(duplicate.runId);
      refuseConflictingMetadata(run, input.meta);
      if (input.live) await input.live.prepare(tx);
      await recountFilledInParts(tx, run, windowStart);

      const scope = (createdAt: Date, uncountedPartIds: readonly string[]): PartScope => ({
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
          await applyPartCounters(
            tx,
            scope(previous.startedAt, [previous.id]),
            stored,
            -1,
            windowStart,
          );
        }
        await deletePart(tx, previous);
      }

      const [partId, excludedFromStats] = await Promise.all([
        insertPart(tx, {
          projectId,
          runId: run.id,
          shard,
          contentHash: input.contentHash,
          idempotencyKey: input.idempotencyKey,
          startedAt,
          report: header,
        }),
        refreshRun(tx, projectId, run.id, input.settings.massFailureRatio),
      ]);
      await recountOtherParts(tx, run, partId, excludedFromStats, windowStart, scope);
      // Queued with the run (DESIGN.md §7): committed together, or not at all.
      await enqueueDelivery(tx, projectId, run.id, now, input.settings.deliveryDelayMs ?? 0);
      // Except while tests are created: the foreign key check of each new test row runs a cached
      // query, which a custom plan per row would make several times slower.
      void plans('auto');
      const stored = await storeResults(
        tx,
        { projectId, runId: run.id, partId, createdAt: startedAt },
        whole ? wholeReport(whole) : input.report,
        input.testIdCache,
      );
      void plans('force_custom_plan');
      rememberIds = stored.remember;
      const { report, testIds } = stored;
      // An interrupted attempt shows only once every test was read.
      if (report.status !== header.status) {
        await updatePartStatus(tx, projectId, partId, report.status);
        await refreshRun(tx, projectId, run.id, input.settings.massFailureRatio);
      }
      // A mass-failure run is stored and shown, but counts for nothing in flakiness statistics.
      if (excludedFromStats) {
        await stored.written;
        input.signal?.throwIfAborted();
        return answer(tx, run.id, true, [], report.results.length);
      }
      const counted = report.results.map((r, i) => ({
        testId: testIds[i] as string,
        outcome: r.outcome,
        durationMs: r.durationMs,
        failedDurationMs: r.failedDurationMs,
        repeatIndex: r.repeatIndex,
      }));
      // Sent without waiting for the last rows: the counters read nothing they write.
      const [, flakedCommits] = await Promise.all([
        stored.written,
        applyPartCounters(tx, scope(startedAt, [partId]), counted, 1, windowStart),
      ]);
      const { newlyDetected, written } = await updateFlakyStates(tx, {
        projectId,
        at: startedAt,
        results: counted,
        commitFlakeTestIds: new Set(flakedCommits),
        replacedTestIds,
        config: { ...input.settings, window: stateWindow },
      });
      // Read before the commit, on the transaction's connection, sent right after the states.
      const [outcome] = await Promise.all([
        answer(tx, run.id, true, newlyDetected, report.results.length),
        written,
      ]);
      input.signal?.throwIfAborted();
      return outcome;
    });
    rememberIds();
    return outcome;
  } catch (error) {
    if (error instanceof DuplicateUpload) return answer(sql, error.runId, false);
    if (isUniqueViolation(error)) {
      // Two identical uploads raced past the first check; the other one won.
      const winner = await findDuplicatePart(
        sql,
        projectId,
        input.contentHash,
        input.idempotencyKey,
      );
      if (winner) return answer(sql, winner.runId, false);
    }
    throw error;
  }
}

/**
 * Refreshes the run from its parts and applies the mass-failure guard to its totals: returns
 * whether the run is now kept out of flakiness statistics (an outage, not flakiness).
 */
async function refreshRun(
  tx: TxSql,
  projectId: string,
  runId: string,
  massFailureRatio: number,
): Promise<boolean> {
  const run = await refreshRunFromParts(tx, projectId, runId);
  const excluded = isMassFailure(run, massFailureRatio);
  if (excluded !== run.excludedFromStats) await setRunExcluded(tx, projectId, runId, excluded);
  return excluded;
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
  scope: (createdAt: Date, uncountedPartIds: readonly string[]) => PartScope,
): Promise<void> {
  if (excludedNow === run.excludedFromStats) return;
  const others = (await listParts(tx, run.projectId, run.id)).filter((p) => p.id !== newPartId);
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
