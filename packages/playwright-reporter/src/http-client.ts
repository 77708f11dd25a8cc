import http from 'node:http';
import https from 'node:https';

/** One answer of the server: its status, its JSON body (when it had one) and Retry-After. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  /** Retry-After, in ms, when the server sent one. */
  retryAfterMs?: number;
}

/** Sends one JSON body; resolves with the answer, rejects on network errors and timeouts. */
export type PostJson = (path: string, body: unknown, timeoutMs: number) => Promise<HttpAnswer>;

/** Answers are small JSON documents; anything longer is cut (and then not parsed). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Retry-After as seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A client for one server and token, on node:http (no fetch: Node 18 prints an experimental
 * warning for it, and a socket must never keep the test runner alive).
 */
export function createHttpClient(baseUrl: string, token: string): PostJson {
  return (path, body, timeoutMs) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(baseUrl + path);
      } catch (error) {
        reject(error);
        return;
      }
      const payload = Buffer.from(JSON.stringify(body), 'utf8');
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(url, {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': payload.length,
          accept: 'application/json',
        },
      });
      const timer = setTimeout(() => {
        request.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      request.on('socket', (socket) => socket.unref());
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text && size <= MAX_ANSWER_BYTES ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const retryAfter = response.headers['retry-after'];
          const retryAfterMs = parseRetryAfter(
            Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          );
          resolve({
            status: response.statusCode ?? 0,
            body: parsed,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          });
        });
      });
      request.end(payload);
    });
}

/** Whether a request that got this status may succeed when sent again. */
export function isRetriableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 429;
}

/** The server's error, `{"error": {"code", "message", "details"}}`, in a few words. */
export function describeAnswer(answer: HttpAnswer): string {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)
    ?.error;
  const parts = [`HTTP ${answer.status}`];
  if (typeof error?.code === 'string') parts.push(error.code);
  if (typeof error?.message === 'string') parts.push(error.message);
  return parts.join(': ');
}

/**
 * Exponential backoff with jitter: 250 ms, 500 ms, 1 s … up to `maxMs`, each drawn between half
 * and all of it, so many shards that lost the server at once do not come back at the same time.
 */
export function backoffDelay(attempt: number, random: () => number, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, 250 * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
