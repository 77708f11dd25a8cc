import type { RequestEvent } from '@sveltejs/kit';
import { ApiFailure, openApiStream } from './api';

/**
 * The browser's way to an API event stream: the dashboard may be served on the API's port or as a
 * service of its own (API_URL), so pages open the stream on the dashboard's origin and this
 * forwards it with the viewer's session, as it comes (no buffering), resuming from the
 * `Last-Event-ID` the browser sends (or `?lastEventId=` from a reconnect of the page's own). When
 * the browser goes away the API's stream is cancelled too.
 */

/** Route ids served by proxyApiStream: they answer 401, not the login page, without a session. */
export const STREAM_ROUTES = new Set([
  '/(app)/runs/[runId]/stream',
  '/(app)/projects/[project]/stream',
]);

const LAST_EVENT_ID = /^\d{1,19}$/;

function plainError(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}

export async function proxyApiStream(event: RequestEvent, apiPath: string): Promise<Response> {
  const session = event.locals.session;
  if (!session) return plainError(401, 'Log in to follow this stream');
  const lastEventId =
    event.request.headers.get('last-event-id') ?? event.url.searchParams.get('lastEventId');
  const upstream = new AbortController();
  const abort = () => upstream.abort();
  event.request.signal.addEventListener('abort', abort, { once: true });

  let response: Response;
  try {
    response = await openApiStream(apiPath, {
      session,
      signal: upstream.signal,
      headers:
        lastEventId && LAST_EVENT_ID.test(lastEventId) ? { 'last-event-id': lastEventId } : {},
    });
  } catch (failure) {
    event.request.signal.removeEventListener('abort', abort);
    if (failure instanceof ApiFailure) return plainError(failure.status, failure.message);
    throw failure;
  }
  const isStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (!response.ok || !response.body || !isStream) {
    abort();
    // The API's own status (401, 403, 404…): EventSource stops, the page's code decides what next.
    return plainError(response.ok ? 502 : response.status, `The API answered ${response.status}`);
  }

  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        // The API went away mid-stream: end this one, the browser reconnects.
        chunk = { done: true, value: undefined };
      }
      if (upstream.signal.aborted) return;
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      abort();
      void reader.cancel(reason).catch(() => {});
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      // Asks proxies in front (nginx) not to buffer the stream.
      'x-accel-buffering': 'no',
    },
  });
}
