import { proxyApiStream } from '$lib/server/stream-proxy';
import type { RequestHandler } from './$types';

/** The project's run changes (SSE), for the runs list and the overview. */
export const GET: RequestHandler = (event) =>
  proxyApiStream(event, `/projects/${encodeURIComponent(event.params.project)}/stream`);
