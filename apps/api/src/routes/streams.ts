import { Hono, type Context } from 'hono';
import { requireViewer } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { ApiError } from '../errors.ts';
import { readableProject } from './project-param.ts';
import { readableRun } from './run-param.ts';

/** Server-Sent Events of live runs (DESIGN.md §6); resumable with Last-Event-ID. */
export const streamRoutes = new Hono<AppEnv>();

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx and similar proxies would otherwise hold events back in their buffers.
  'x-accel-buffering': 'no',
};

/**
 * Where the client resumes: the `Last-Event-ID` header its EventSource sends on reconnecting, or
 * `?lastEventId=` (a first connection of a page that already holds events). Null when neither.
 */
function lastEventId(c: Context<AppEnv>): bigint | null {
  const given = c.req.header('last-event-id') ?? c.req.query('lastEventId');
  if (given === undefined || given.trim() === '') return null;
  if (!/^\d{1,18}$/.test(given.trim())) {
    throw new ApiError('validation_failed', 'Last-Event-ID must be an event id from this stream', [
      { path: 'Last-Event-ID', message: 'must be a whole number' },
    ]);
  }
  return BigInt(given.trim());
}

streamRoutes.get('/runs/:runId/stream', requireViewer(), async (c) => {
  const run = await readableRun(c);
  const from = lastEventId(c) ?? 0n;
  const stream = c.get('deps').live.hub.openRunStream(run.projectId, run.id, from);
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
});

streamRoutes.get('/projects/:project/stream', requireViewer(), async (c) => {
  const project = await readableProject(c);
  const stream = c.get('deps').live.hub.openProjectStream(project.id, lastEventId(c));
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
});
