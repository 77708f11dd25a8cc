import type { Sql } from '../db/client.ts';
import { advanceStaleWindows } from '../flakiness/window.ts';
import type { Logger } from '../logger.ts';
import { startPeriodic } from './periodic.ts';

/** How often the job looks for windows behind the day: reads are right meanwhile (they sum the
 *  daily aggregates while a project's counters lag), only slower. */
const CHECK_EVERY_MS = 10 * 60 * 1000;

/**
 * Keeps every project's window counters and flaky states on today's window without waiting for an
 * upload, so reads stay on the maintained counters and never write. Runs at start, then every ten
 * minutes. Returns a function that stops it.
 */
export function startWindowMaintenance(
  sql: Sql,
  options: { windowDays: number; logger: Logger; now?: () => Date },
): () => void {
  const now = options.now ?? (() => new Date());
  return startPeriodic(
    async () => {
      const moved = await advanceStaleWindows(sql, options.windowDays, now());
      if (moved > 0) options.logger.info({ projects: moved }, 'flakiness windows moved');
    },
    CHECK_EVERY_MS,
    (error) => options.logger.error({ err: error }, 'window maintenance failed'),
  );
}
