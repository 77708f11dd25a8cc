import { enqueueDelivery } from '../db/queries/deliveries.ts';
import { createHash, randomUUID } from 'node:crypto';
import type {
  liveTeardownSchema,
  LiveEvent,
  LiveSetupParsed,
  StatusEvent,
  TestEndEvent,
} from '@flackyness/shared/ingest';
import { playwrightReportOutlineSchema } from '@flackyness/shared/playwright-report';
import type { z } from 'zod';
import type { Database, Sql } from '../db/client.ts';
import {
  applyEventBatch,
  findLiveSession,
  finishSession,
  insertEvents,
  insertLiveSession,
  listSessionEvents,
  markRunChanged,
  missingBatches,
  takeEventNumbers,
  type LiveSessionRow,
  type ProgressDelta,
} from '../db/queries/live.ts';
import { lockRunForUpload } from '../db/queries/runs.ts';
import { toSafeText } from '../domain/safe-text.ts';
import { InvalidReportError } from '../report/invalid-report-error.ts';
import { ReportReader } from '../report/report-reader.ts';
import { ingestReport, type IngestOutcome, type IngestSettings } from '../upload/ingest-report.ts';
import { lockUploadProject } from '../upload/project-lock.ts';
import { refuseConflictingMetadata } from '../upload/run-metadata-merge.ts';
import { prepareRunStart } from '../upload/start-time.ts';
import { splitParallelJob, type UploadMetadata } from '../upload/upload-metadata.ts';
import type { LiveBus } from './bus.ts';
import { reportFromEvents } from './report-from-events.ts';
import type { KeyedThrottle } from './throttle.ts';

export interface LiveContext {
  database: Database;
  bus: LiveBus;
  now: Date;
  retentionMonths: number;
  /** Spaces out the announcements of a run's progress to its project's stream (each at once
   *  when absent). */
  progress?: KeyedThrottle;
}

/** The session named in an event or teardown is not one of the project's. */
export class LiveSessionNotFound extends Error {
  constructor(readonly sessionId: string) {
    super(`live session ${sessionId} not found`);
  }
}

/** Teardown came before batches it names (`lastSeq`): they must be sent first. */
export class BatchesMissing extends Error {
  constructor(readonly missing: number[]) {
    super(
      `batches ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} never arrived`,
    );
  }
}

/**
 * Opens a live run (setup): the run named by (project, pipeline, job) is joined or created with
 * source "live" and status running, exactly as an upload of the same job would find it, and a
 * session of its own is opened for this reporter (one per shard).
 */
export async function openLiveSession(
  context: LiveContext,
  projectId: string,
  given: LiveSetupParsed,
  meta: UploadMetadata,
): Promise<{ sessionId: string; runId: string }> {
  const { sql } = context.database;
  const setup = storable(given);
  const { job, shard: jobShard } = splitParallelJob(meta.job);
  const shard = setup.shard ? `${setup.shard.current}/${setup.shard.total}` : (jobShard ?? '');
  const startedAt = setup.startedAt ? new Date(setup.startedAt) : context.now;
  await prepareRunStart(sql, startedAt, 'startedAt', {
    now: context.now,
    retentionMonths: context.retentionMonths,
  });
  const sessionId = randomUUID();
  const runId = await sql.begin(async (tx) => {
    await lockUploadProject(tx, projectId);
    const run = await lockRunForUpload(tx, projectId, { ...meta, job }, startedAt, {
      source: 'live',
    });
    refuseConflictingMetadata(run, meta);
    // Known from the start, as an upload's: the run page shows it while the run goes on.
    if (setup.playwrightVersion !== undefined) {
      await tx`
        update runs set playwright_version = coalesce(playwright_version, ${setup.playwrightVersion})
        where project_id = ${projectId} and id = ${run.id}`;
    }
    await insertLiveSession(tx, {
      id: sessionId,
      projectId,
      runId: run.id,
      shard,
      reporterVersion: setup.reporterVersion,
      playwrightVersion: setup.playwrightVersion ?? null,
      totalTests: setup.totalTests,
      meta,
      startedAt,
      now: context.now,
    });
    // The pull/merge request learns at once that the run is under way (a pending status).
    await enqueueDelivery(tx, projectId, run.id, context.now, 0);
    // A run joined after it had ended (another shard's upload) is running again: see
    // lockRunForUpload with source "live".
    return run.id;
  });
  await announceRunChange(context, { id: sessionId, projectId, runId });
  return { sessionId, runId };
}

/**
 * Applies one batch of a session's events, once: a batch number seen before changes nothing
 * (`applied: false`). Events are stored in the run's stream; finished tests advance the session's
 * progress.
 */
export async function applyLiveBatch(
  context: LiveContext,
  projectId: string,
  batch: { sessionId: string; seq: number; events: LiveEvent[] },
): Promise<{ applied: boolean }> {
  const { sql } = context.database;
  const session = await findLiveSession(sql, projectId, batch.sessionId);
  if (!session) throw new LiveSessionNotFound(batch.sessionId);
  const events = batch.events.map(storable);
  const delta = progressOf(batch.events);
  const lastSeq = await applyEventBatch(sql, session, batch.seq, events, delta, context.now);
  if (lastSeq !== null && events.length > 0) {
    const { runId } = session;
    await context.bus.publish({ projectId, runId, eventSeq: String(lastSeq) });
    // The project's stream hears of it when the run's numbers changed (not for every log line),
    // spaced out per run: its viewers need the latest numbers, not every step.
    if (delta.finished > 0 || session.status === 'cancelled') {
      const change = () => announceProjectChange(context, projectId, runId);
      await (context.progress ? context.progress.run(session.runId, change) : change());
    }
  }
  return { applied: lastSeq !== null };
}

export type LiveTeardown = z.infer<typeof liveTeardownSchema>;

/**
 * Completes a session (teardown): the run's report is rebuilt from the session's stored attempts
 * and stored through the upload's own ingestion, as the part of the session's shard, so the run
 * ends up exactly as an upload of its JSON report would leave it. A teardown sent again answers
 * the stored run and changes nothing; one after the orphan job cancelled the run still completes it.
 */
export async function completeLiveSession(
  context: LiveContext,
  projectId: string,
  teardown: LiveTeardown,
  settings: IngestSettings & { testIds?: Database['testIds'] },
): Promise<IngestOutcome> {
  const { sql } = context.database;
  const session = await findLiveSession(sql, projectId, teardown.sessionId);
  if (!session) throw new LiveSessionNotFound(teardown.sessionId);
  const lastSeq = teardown.summary.lastSeq;
  if (session.status !== 'finished' && lastSeq !== undefined && lastSeq !== null) {
    const missing = await missingBatches(sql, session, lastSeq);
    if (missing.length > 0) throw new BatchesMissing(missing);
  }
  const report = await rebuildReport(sql, session, teardown, context.now);
  const outcome = await ingestReport(sql, {
    projectId,
    report: new ReportReader(report),
    meta: { ...(session.meta as UploadMetadata), shard: session.shard || undefined },
    // One part per session: a teardown sent again is recognised as the same upload.
    contentHash: createHash('sha256').update(`live-session:${session.id}`).digest('hex'),
    settings,
    testIdCache: settings.testIds,
    now: context.now,
    retentionMonths: context.retentionMonths,
    live: {
      runId: session.runId,
      prepare: (tx) => finishSession(tx, session, storable(teardown)),
    },
  });
  if (outcome.created) await announceRunChange(context, session);
  return outcome;
}

async function rebuildReport(sql: Sql, session: LiveSessionRow, teardown: LiveTeardown, now: Date) {
  const [attempts, statuses] = await Promise.all([
    listSessionEvents<TestEndEvent>(sql, session, 'test-end'),
    listSessionEvents<StatusEvent>(sql, session, 'status'),
  ]);
  const startTime = teardown.summary.startTime ?? session.startedAt.toISOString();
  const report = reportFromEvents({
    playwrightVersion: session.playwrightVersion,
    shard: shardOf(session.shard),
    startTime,
    duration:
      teardown.summary.duration ?? Math.max(0, now.getTime() - new Date(startTime).getTime()),
    attempts,
    notRun: teardown.summary.notRun.map(storable),
    errors: statuses.map((status) => status.error),
  });
  // Built from validated events, but checked as any report is: a refusal names the field.
  const parsed = playwrightReportOutlineSchema.safeParse(report);
  if (!parsed.success) throw new InvalidReportError(parsed.error.issues);
  return parsed.data;
}

/**
 * A run's state changed (setup, teardown, the orphan job cancelling it), after the change
 * committed: a marker in the run's stream, the run's place in its project's stream, then one note
 * to every process.
 */
export async function announceRunChange(
  context: Pick<LiveContext, 'database' | 'bus'>,
  session: Pick<LiveSessionRow, 'id' | 'projectId' | 'runId'>,
): Promise<void> {
  const { sql } = context.database;
  const eventSeq = await sql.begin(async (tx) => {
    const seq = await takeEventNumbers(tx, session.projectId, session.runId, 1);
    await insertEvents(tx, session, seq, [{ kind: 'run-updated', payload: {} }]);
    return String(seq);
  });
  const changeSeq = await markRunChanged(sql, session.projectId, session.runId);
  await context.bus.publish({
    projectId: session.projectId,
    runId: session.runId,
    eventSeq,
    ...(changeSeq !== null ? { changeSeq: String(changeSeq) } : {}),
  });
}

/** Tells the project's stream that a run changed (an upload, a live run's progress). */
export async function announceProjectChange(
  context: Pick<LiveContext, 'database' | 'bus'>,
  projectId: string,
  runId: string,
): Promise<void> {
  const changeSeq = await markRunChanged(context.database.sql, projectId, runId);
  if (changeSeq === null) return;
  await context.bus.publish({ projectId, runId, changeSeq: String(changeSeq) });
}

/** Tests whose last attempt ended, by outcome: a failed attempt Playwright retries is not one. */
function progressOf(events: readonly LiveEvent[]): ProgressDelta {
  const delta: ProgressDelta = { finished: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (const event of events) {
    if (event.type !== 'test-end' || event.willRetry) continue;
    delta.finished++;
    delta[event.outcome]++;
  }
  return delta;
}

function shardOf(shard: string): { current: number; total: number } | null {
  if (!shard) return null;
  const [current, total] = shard.split('/').map(Number) as [number, number];
  return { current, total };
}

/**
 * Text as PostgreSQL's jsonb keeps it: NUL and lone surrogates become U+FFFD (jsonb refuses
 * \u0000), as an upload's text is stored.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return toSafeText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = storable(item);
    return out as T;
  }
  return value;
}
