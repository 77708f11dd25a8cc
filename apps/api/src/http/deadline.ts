import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';
import type { AppEnv } from './types.ts';

/**
 * A request's time budget. Its database work runs on a pool whose statements the server itself
 * cancels after the same budget (statement_timeout), so a slow query ends rather than running on
 * after the answer; `signal` tells the rest of the work to stop. At the deadline the client gets
 * 504 `timeout` whatever the work is still doing.
 */
export function requestDeadline(ms: number): MiddlewareHandler<AppEnv> {
  if (ms <= 0) return (_c, next) => next();
  return async (c, next) => {
    const deps = c.get('deps');
    const controller = new AbortController();
    c.set('signal', controller.signal);
    const timed = deps.database.timed(ms);
    // Reads on the primary take the budget too; a replica (DATABASE_READ_URL) keeps its own pool,
    // and there the request's deadline still answers in time.
    const read = deps.database.read === deps.database.sql ? timed : deps.database.read;
    c.set('deps', { ...deps, database: { ...deps.database, sql: timed, read } });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ApiError('timeout', `The request took longer than ${ms} ms`);
        controller.abort(error);
        reject(error);
      }, ms);
    });
    const work = next();
    // After the deadline the work's own ending has nobody to answer: it is only logged.
    work.catch((error: unknown) => {
      if (controller.signal.aborted)
        c.get('logger').debug({ err: error }, 'work ended after its deadline');
    });
    try {
      await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
