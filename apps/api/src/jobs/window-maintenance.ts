import type { Sql } from '../db/client.ts';
import { advanceStaleWindows } from '../flakiness/window.ts';
import type { Logger } from '../logger.ts';

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
  let running: Promise<void> | null = null;
  const run = () => {
    // One pass at a time: a slow pass is not overlapped by the next tick.
    running ??= advanceStaleWindows(sql, options.windowDays, now())
      .then((moved) => {
        if (moved > 0) options.logger.info({ projects: moved }, 'flakiness windows moved');
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'window maintenance failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, CHECK_EVERY_MS);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
