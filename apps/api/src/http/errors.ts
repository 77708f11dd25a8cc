import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, errorBody } from '../errors.ts';
import type { AppEnv } from './types.ts';

/** The one error handler: ApiError → its status and body; anything else → a 500 that echoes nothing. */
export function renderError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return c.json(errorBody(error.code, error.message, error.details), error.status);
  }
  // query_canceled: a statement ran past the request's statement_timeout (see deadline.ts).
  if ((error as { code?: unknown }).code === '57014') {
    return c.json(errorBody('timeout', 'The request took too long and was stopped'), 504);
  }
  // The database is out of reach (restarting, failing over): a 503 the client may retry, and
  // GET /ready says the same; nothing was stored (a transaction that lost its connection rolls back).
  if (isDatabaseUnreachable(error)) {
    c.get('logger')?.warn({ err: error }, 'database unreachable');
    c.header('retry-after', '5');
    return c.json(
      errorBody('service_unavailable', 'The database is unreachable; retry shortly'),
      503,
    );
  }
  if (error instanceof HTTPException && error.status < 500) {
    return c.json(errorBody('bad_request', error.message || 'Bad request'), error.status);
  }
  c.get('logger')?.error({ err: error }, 'unhandled error');
  return c.json(errorBody('internal_error', 'Internal server error'), 500);
}

export function renderNotFound(c: Context<AppEnv>): Response {
  return c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404);
}

/** postgres.js's connection errors, and PostgreSQL's own "going away" (class 57P, class 08). */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

export function isDatabaseUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && unreachableCodes.has(code);
}
