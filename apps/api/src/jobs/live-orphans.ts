import type { Database } from '../db/client.ts';
import { cancelOrphanedSessions } from '../db/queries/live.ts';
import type { LiveBus } from '../live/bus.ts';
import { announceRunChange } from '../live/live-ingest.ts';
import type { Logger } from '../logger.ts';
import { startPeriodic } from './periodic.ts';

const CHECK_EVERY_MS = 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface LiveOrphanOptions {
  database: Database;
  bus: LiveBus;
  /** LIVE_ORPHAN_HOURS: a running session with no event for this long is given up for dead. */
  orphanHours: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * Cancels live runs whose reporter went silent (DESIGN.md §6): their sessions and, when none of
 * their sessions runs any more, the runs, which dashboards watching them hear of. What was stored
 * stays; a late teardown still completes the run. Returns how many sessions it cancelled.
 */
export async function cancelOrphanedRuns(options: LiveOrphanOptions): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  const cutoff = new Date(now.getTime() - options.orphanHours * HOUR_MS);
  const sessions = await cancelOrphanedSessions(options.database.sql, cutoff, now);
  for (const session of sessions) {
    await announceRunChange({ database: options.database, bus: options.bus }, session);
  }
  if (sessions.length > 0) {
    options.logger.info({ sessions: sessions.length }, 'silent live runs cancelled');
  }
  return sessions.length;
}

/** Looks for silent live runs at start, then every minute. Returns a function that stops it. */
export function startLiveOrphanJob(options: LiveOrphanOptions): () => void {
  return startPeriodic(
    async () => {
      await cancelOrphanedRuns(options);
    },
    CHECK_EVERY_MS,
    (error) => options.logger.error({ err: error }, 'cancelling silent live runs failed'),
  );
}
