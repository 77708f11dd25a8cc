import { proxyApiStream } from '$lib/server/stream-proxy';
import type { RequestHandler } from './$types';

/** The run's events (SSE), for its live view. */
export const GET: RequestHandler = (event) =>
  proxyApiStream(event, `/runs/${encodeURIComponent(event.params.runId)}/stream`);
