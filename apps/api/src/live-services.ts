import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { LiveServices } from './http/types.ts';
import { createLocalBus, createPostgresBus } from './live/bus.ts';
import { StreamHub } from './live/stream-hub.ts';
import { KeyedThrottle } from './live/throttle.ts';
import type { Logger } from './logger.ts';
import { toRunDto } from './routes/dto.ts';

/** A run's progress reaches its project's stream (runs list, overview) at most this often. */
const PROGRESS_EVERY_MS = 1000;

/**
 * The bus and the SSE hub of one process: LISTEN/NOTIFY on a connection of its own with PostgreSQL
 * (several API processes share one database), in process on the embedded database.
 */
export function createLiveServices(options: {
  database: Database;
  config: Pick<Config, 'publicUrl'>;
  logger: Logger;
  heartbeatMs?: number;
}): LiveServices & { close(): Promise<void> } {
  const { database, logger } = options;
  const bus =
    database.mode === 'postgres'
      ? createPostgresBus(database.sql, database.connect({ max: 1 }), logger)
      : createLocalBus();
  const hub = new StreamHub({
    sql: database.sql,
    bus,
    runDto: (run) => toRunDto(run, options.config.publicUrl),
    logger,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const progress = new KeyedThrottle(PROGRESS_EVERY_MS, (error) =>
    logger.warn({ err: error }, 'run progress not announced'),
  );
  return {
    bus,
    hub,
    progress,
    async close() {
      progress.close();
      hub.close();
      await bus.close();
    },
  };
}
