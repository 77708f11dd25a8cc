import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  createHttpClient,
  describeAnswer,
  isRetriableStatus,
  parseRetryAfter,
} from './http-client.ts';

describe('backoffDelay', () => {
  it('doubles from 250 ms up to the cap, with jitter between half and all of it', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 0))).toEqual([125, 250, 500, 1000]);
    expect(backoffDelay(30, () => 1)).toBe(10_000);
    expect(backoffDelay(30, () => 0)).toBe(5_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0.5 ')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('isRetriableStatus', () => {
  it('retries 5xx, 408, 409 and 429, never another 4xx', () => {
    expect([500, 502, 503, 408, 409, 429].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 422].some(isRetriableStatus)).toBe(false);
  });
});

describe('createHttpClient', () => {
  it('posts JSON with the bearer token and reads the JSON answer and Retry-After', async () => {
    let seen: { auth?: string; type?: string; body?: string; path?: string } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen = {
          auth: req.headers.authorization,
          type: req.headers['content-type'],
          body,
          path: req.url,
        };
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answer = await createHttpClient(url, 'tok')('/api/v1/ingest/event', { a: 'é' }, 2000);
    server.close();
    expect(seen).toEqual({
      auth: 'Bearer tok',
      type: 'application/json',
      body: '{"a":"é"}',
      path: '/api/v1/ingest/event',
    });
    expect(answer).toEqual({
      status: 429,
      body: { error: { code: 'rate_limited', message: 'slow down' } },
      retryAfterMs: 2000,
    });
    expect(describeAnswer(answer)).toBe('HTTP 429: rate_limited: slow down');
  });

  it('rejects when the server does not answer in time', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(createHttpClient(url, 't')('/x', {}, 100)).rejects.toThrow(
      'no answer within 100 ms',
    );
    server.closeAllConnections();
    server.close();
  });

  it('rejects on a bad url instead of throwing', async () => {
    await expect(createHttpClient('not a url', 't')('/x', {}, 100)).rejects.toThrow();
  });
});
