import type { RequestEvent } from '@sveltejs/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyApiStream } from './stream-proxy';

/** The API as the dashboard's in-process transport sees it (apps/api/src/dashboard.ts). */
const API_FETCH = Symbol.for('flackyness.apiFetch');
const globals = globalThis as Record<symbol, unknown>;

function fakeEvent(options: { session?: string; headers?: Record<string, string>; url?: string }) {
  return {
    locals: { session: options.session },
    request: new Request(options.url ?? 'http://dash.test/runs/7/stream', {
      headers: options.headers,
    }),
    url: new URL(options.url ?? 'http://dash.test/runs/7/stream'),
  } as unknown as RequestEvent;
}

/** An API whose stream sends `first`, then waits; records what it was asked and its abort. */
function streamingApi(status = 200) {
  const seen: { request?: Request; aborted: boolean } = { aborted: false };
  globals[API_FETCH] = (request: Request) => {
    seen.request = request;
    request.signal.addEventListener('abort', () => (seen.aborted = true));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('id: 5\nevent: log\ndata: {}\n\n'));
      },
    });
    return new Response(body, {
      status,
      headers: { 'content-type': status === 200 ? 'text/event-stream' : 'application/json' },
    });
  };
  return seen;
}

afterEach(() => {
  delete globals[API_FETCH];
});

describe('proxyApiStream', () => {
  it('forwards the session and Last-Event-ID, and streams the body as it comes', async () => {
    const seen = streamingApi();
    const response = await proxyApiStream(
      fakeEvent({ session: 'flks_abc', headers: { 'last-event-id': '4' } }),
      '/runs/7/stream',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('no-cache');
    expect(seen.request?.url).toMatch(/\/api\/v1\/runs\/7\/stream$/);
    expect(seen.request?.headers.get('authorization')).toBe('Bearer flks_abc');
    expect(seen.request?.headers.get('last-event-id')).toBe('4');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('id: 5\nevent: log\ndata: {}\n\n');

    // The browser goes away: the API's stream is aborted.
    await reader.cancel();
    expect(seen.aborted).toBe(true);
  });

  it('takes ?lastEventId= from a reconnect of the page, and ignores a malformed one', async () => {
    const seen = streamingApi();
    await proxyApiStream(
      fakeEvent({ session: 's', url: 'http://dash.test/runs/7/stream?lastEventId=12' }),
      '/runs/7/stream',
    );
    expect(seen.request?.headers.get('last-event-id')).toBe('12');
    await proxyApiStream(
      fakeEvent({ session: 's', headers: { 'last-event-id': '12; drop table' } }),
      '/runs/7/stream',
    );
    expect(seen.request?.headers.get('last-event-id')).toBeNull();
  });

  it('answers 401 without a session, and the API’s error status as plain text', async () => {
    const seen = streamingApi(404);
    expect((await proxyApiStream(fakeEvent({}), '/runs/7/stream')).status).toBe(401);
    expect(seen.request).toBeUndefined();
    const response = await proxyApiStream(fakeEvent({ session: 's' }), '/runs/7/stream');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(seen.aborted).toBe(true);
  });

  it('answers 503 when the API cannot be reached', async () => {
    globals[API_FETCH] = () => Promise.reject(new TypeError('fetch failed'));
    const response = await proxyApiStream(fakeEvent({ session: 's' }), '/runs/7/stream');
    expect(response.status).toBe(503);
  });
});
