import type { Sql } from '../db/client.ts';
import {
  createPartitionsAhead,
  dropExpiredPartitions,
  pruneSettledCommits,
} from '../db/partitions.ts';
import { MAX_WINDOW_DAYS } from '../flakiness/window.ts';
import type { Logger } from '../logger.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps test_results partitions ready ahead (current month + `aheadMonths`), drops the ones past
 * retention and prunes settled commit counters; runs at start and then daily. Returns a function that stops it.
 */
export function startPartitionMaintenance(
  sql: Sql,
  options: { aheadMonths: number; retentionMonths: number; logger: Logger },
): () => void {
  const run = async () => {
    try {
      await createPartitionsAhead(sql, options.aheadMonths);
      const dropped = await dropExpiredPartitions(sql, options.retentionMonths);
      if (dropped.length > 0) options.logger.info({ dropped }, 'retention dropped partitions');
      await pruneSettledCommits(sql, MAX_WINDOW_DAYS);
    } catch (error) {
      options.logger.error({ err: error }, 'partition maintenance failed');
    }
  };
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
