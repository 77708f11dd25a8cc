import type { DeliveryRow } from '../db/queries/deliveries.ts';
import type { StoredResultFields } from '../db/queries/result-fields.ts';
import type { RunPartRow, RunResultRow, RunRow } from '../db/queries/runs.ts';

/** API shapes: camelCase, string ids, ISO 8601 UTC times. */
export function toRunDto(run: RunRow, publicUrl: string) {
  return {
    id: run.id,
    projectId: run.projectId,
    status: run.status,
    source: run.source,
    branch: run.branch,
    commit: run.commit,
    pipeline: run.pipeline,
    job: run.job || null,
    ciProvider: run.ciProvider,
    repository: run.repository,
    pr: run.pr,
    runUrl: run.runUrl,
    environment: run.environment,
    runName: run.runName,
    playwrightVersion: run.playwrightVersion,
    reporterVersion: run.live?.reporterVersion ?? null,
    live: run.live,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    totals: {
      total: run.total,
      expected: run.expected,
      unexpected: run.unexpected,
      flaky: run.flaky,
      skipped: run.skipped,
    },
    parts: run.partCount,
    excludedFromStats: run.excludedFromStats,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    url: runUrl(publicUrl, run.id),
  };
}

/** The run's page on the dashboard (its stable path, DESIGN.md §5). */
export function runUrl(publicUrl: string, runId: string): string {
  return `${publicUrl}/runs/${runId}`;
}

export function toRunPartDto(part: RunPartRow) {
  return {
    id: part.id,
    shard: part.shard || null,
    status: part.status,
    partial: part.partial,
    startedAt: part.startedAt.toISOString(),
    durationMs: part.durationMs,
    totals: {
      total: part.total,
      expected: part.expected,
      unexpected: part.unexpected,
      flaky: part.flaky,
      skipped: part.skipped,
    },
    errors: part.errors,
    uploadedAt: part.createdAt.toISOString(),
  };
}

/** What a stored result says, in the API's words (shared by run detail and test history). */
export function toResultDto(result: StoredResultFields) {
  const details = (result.details ?? {}) as { attempts?: unknown; annotations?: unknown };
  return {
    repeatIndex: result.repeatIndex,
    outcome: result.outcome,
    expectedStatus: result.expectedStatus,
    attempts: result.attempts,
    finalStatus: result.finalStatus,
    durationMs: result.durationMs,
    failedDurationMs: result.failedDurationMs,
    error: result.errorMessage
      ? { message: result.errorMessage, signature: result.errorSignature }
      : null,
    attemptDetails: details.attempts ?? null,
    annotations: details.annotations ?? [],
  };
}

export function toRunResultDto(result: RunResultRow) {
  return {
    testId: result.testId,
    title: result.title,
    titlePath: result.titlePath,
    file: result.file,
    projectName: result.projectName,
    ...toResultDto(result),
  };
}

/** A run's pull/merge request delivery: where it goes and how it went (never a token). */
export function toDeliveryDto(delivery: DeliveryRow) {
  return {
    id: delivery.id,
    provider: delivery.provider,
    repository: delivery.repository,
    pr: delivery.pr,
    commit: delivery.commit,
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt:
      delivery.state === 'pending' || delivery.state === 'sending'
        ? delivery.nextAttemptAt.toISOString()
        : null,
    /** Why it was skipped or failed, or the last error of a delivery being retried. */
    reason: delivery.lastError,
    httpStatus: delivery.lastHttpStatus,
    commentUrl: delivery.commentUrl,
    statusState: delivery.statusState,
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    updatedAt: delivery.updatedAt.toISOString(),
  };
}
