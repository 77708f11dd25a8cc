import type { Sql } from '../db/client.ts';
import { createPartitionsAhead, pruneSettledCommits } from '../db/partitions.ts';
import { DAY_MS, MAX_WINDOW_DAYS, windowStartDay } from '../domain/window.ts';
import type { Logger } from '../logger.ts';
import { applyRetention } from './retention.ts';

/**
 * Keeps test_results partitions ready ahead (current month + `aheadMonths`), applies retention
 * (runs, partitions and daily aggregates older than `retentionMonths` whole months) and prunes
 * settled commit counters; runs at start and then daily. Returns a function that stops it.
 */
export function startPartitionMaintenance(
  sql: Sql,
  options: {
    aheadMonths: number;
    retentionMonths: number;
    windowDays: number;
    logger: Logger;
    now: () => Date;
  },
): () => void {
  const run = async () => {
    try {
      const now = options.now();
      await createPartitionsAhead(sql, options.aheadMonths, now);
      const retained = await applyRetention(sql, {
        retentionMonths: options.retentionMonths,
        windowDays: options.windowDays,
        now,
      });
      if (retained.expiredRuns > 0 || retained.droppedPartitions.length > 0) {
        options.logger.info(retained, 'retention removed expired runs and partitions');
      }
      await pruneSettledCommits(sql, windowStartDay(MAX_WINDOW_DAYS, now));
    } catch (error) {
      options.logger.error({ err: error }, 'partition maintenance failed');
    }
  };
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
