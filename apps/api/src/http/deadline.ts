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
    c.set('deps', { ...deps, database: { ...deps.database, sql: deps.database.timed(ms) } });
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
