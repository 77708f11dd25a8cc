import type { Sql, TxSql } from '../db/client.ts';
import { addMonths, dropPartitionsBefore, monthStart } from '../db/partitions.ts';
import { listProjects, lockProjectForWrite } from '../db/queries/projects.ts';
import {
  deleteExpiredAggregates,
  deleteRuns,
  lockExpiredRuns,
  type ExpiredRun,
} from '../db/queries/retention.ts';
import { listPartResults, listParts } from '../db/queries/run-parts.ts';
import { applyPartCounters } from '../flakiness/counters.ts';
import { lockProjectWindow } from '../flakiness/window.ts';

export interface RetentionOptions {
  retentionMonths: number;
  /** FLAKE_WINDOW_DAYS: each project's window is moved to today before old days are deleted. */
  windowDays: number;
  now: Date;
  /** Runs (or aggregate rows) per transaction. */
  batchSize?: number;
}

export interface RetentionOutcome {
  /** The first day kept (YYYY-MM-01). */
  cutoff: string;
  expiredRuns: number;
  droppedPartitions: string[];
}

/**
 * Keeps `retentionMonths` whole months before the current one and nothing older: a run that
 * started before that goes whole (its parts, and its results in every month, even a part that
 * started later), then the months' partitions are detached and dropped, then the per-day
 * aggregates of those months. Every step is a short transaction, so uploads wait at most for one
 * batch.
 */
export async function applyRetention(
  sql: Sql,
  options: RetentionOptions,
): Promise<RetentionOutcome> {
  const cutoff = addMonths(monthStart(options.now), -options.retentionMonths);
  const batchSize = options.batchSize ?? 50;
  let expiredRuns = 0;
  for (const project of await listProjects(sql)) {
    expiredRuns += await expireProjectRuns(sql, project.id, cutoff, batchSize, options);
  }
  // Their runs are gone: what is left in these months belongs to no run.
  const droppedPartitions = await dropPartitionsBefore(sql, cutoff);
  for (const project of await listProjects(sql)) {
    let deleted: number;
    do deleted = await deleteExpiredAggregates(sql, project.id, cutoff, batchSize * 100);
    while (deleted > 0);
  }
  return { cutoff, expiredRuns, droppedPartitions };
}

async function expireProjectRuns(
  sql: Sql,
  projectId: string,
  cutoff: string,
  batchSize: number,
  options: RetentionOptions,
): Promise<number> {
  let expired = 0;
  for (;;) {
    const count = await sql.begin(async (tx) => {
      // The lock order of an upload: project, project window, run. Moving the window first also
      // takes the days about to be deleted out of test_stats' counters.
      if (!(await lockProjectForWrite(tx, projectId))) return 0;
      const windowStart = await lockProjectWindow(tx, projectId, options.windowDays, options.now);
      const runs = await lockExpiredRuns(tx, projectId, cutoff, batchSize);
      for (const run of runs) {
        if (!run.excludedFromStats) await uncountKeptParts(tx, projectId, run, cutoff, windowStart);
      }
      if (runs.length > 0) {
        await deleteRuns(
          tx,
          projectId,
          runs.map((r) => r.id),
          cutoff,
        );
      }
      return runs.length;
    });
    expired += count;
    if (count < batchSize) return expired;
  }
}

/**
 * A run that straddles the cutoff has parts in kept months, counted in kept days' aggregates:
 * they are taken out of them as a replaced part would be. The whole run is leaving, so none of
 * its parts is read as counted when its commit's pairs are read again (commit-flakes.ts).
 */
async function uncountKeptParts(
  tx: TxSql,
  projectId: string,
  run: ExpiredRun,
  cutoff: string,
  windowStart: string,
): Promise<void> {
  const parts = await listParts(tx, projectId, run.id);
  const uncountedPartIds = parts.map((p) => p.id);
  const since = Date.parse(`${cutoff}T00:00:00.000Z`);
  for (const part of parts.filter((p) => p.startedAt.getTime() >= since)) {
    const stored = await listPartResults(tx, projectId, run.id, part);
    const scope = {
      projectId,
      createdAt: part.startedAt,
      branch: run.branch,
      commit: run.commit,
      uncountedPartIds,
    };
    await applyPartCounters(tx, scope, stored, -1, windowStart);
  }
}
