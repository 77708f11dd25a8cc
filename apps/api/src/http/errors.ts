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
  if (error instanceof HTTPException && error.status < 500) {
    return c.json(errorBody('bad_request', error.message || 'Bad request'), error.status);
  }
  c.get('logger')?.error({ err: error }, 'unhandled error');
  return c.json(errorBody('internal_error', 'Internal server error'), 500);
}

export function renderNotFound(c: Context<AppEnv>): Response {
  return c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404);
}
