import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  parseLinkHeader,
  requestAllPages,
  requestJson,
  retryAfterMsOf,
  retryDelayMs,
  ScmHttpError,
} from './http.ts';
import type { ScmTarget } from './types.ts';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const h = (init: Record<string, string>) => new Headers(init);

function target(fetchImpl: typeof fetch, overrides: Partial<ScmTarget> = {}): ScmTarget {
  return {
    baseUrl: 'https://scm.example/api',
    repository: 'o/r',
    token: 'tok_secret_1',
    timeoutMs: 1_000,
    fetch: fetchImpl,
    ...overrides,
  };
}

describe('classifyFailure', () => {
  it('retries 5xx and 429, never 400, 401, 404, 410 or 422', () => {
    for (const status of [500, 502, 503, 504, 429])
      expect(classifyFailure(status, h({}), '').retryable).toBe(true);
    for (const status of [400, 401, 404, 410, 422])
      expect(classifyFailure(status, h({}), '').retryable).toBe(false);
  });

  it('retries a 403 only with a rate-limit signal', () => {
    expect(classifyFailure(403, h({}), '{"message":"Resource not accessible"}').retryable).toBe(
      false,
    );
    expect(classifyFailure(403, h({ 'retry-after': '60' }), '').retryable).toBe(true);
    expect(classifyFailure(403, h({ 'x-ratelimit-remaining': '0' }), '').retryable).toBe(true);
    expect(classifyFailure(403, h({ 'x-ratelimit-remaining': '10' }), '').retryable).toBe(false);
    expect(
      classifyFailure(403, h({}), '{"message":"You have exceeded a Secondary Rate Limit"}')
        .retryable,
    ).toBe(true);
  });
});

describe('retryAfterMsOf', () => {
  it('reads Retry-After seconds and HTTP-dates', () => {
    expect(retryAfterMsOf(h({ 'retry-after': '2' }), now)).toBe(2_000);
    expect(retryAfterMsOf(h({ 'retry-after': new Date(now + 90_000).toUTCString() }), now)).toBe(
      90_000,
    );
    expect(retryAfterMsOf(h({ 'retry-after': new Date(now - 5_000).toUTCString() }), now)).toBe(0);
    expect(retryAfterMsOf(h({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });

  it('falls back to the reset time only when nothing remains', () => {
    const reset = String(now / 1000 + 120);
    expect(
      retryAfterMsOf(h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), now),
    ).toBe(120_000);
    expect(retryAfterMsOf(h({ 'ratelimit-remaining': '0', 'ratelimit-reset': reset }), now)).toBe(
      120_000,
    );
    expect(
      retryAfterMsOf(h({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': reset }), now),
    ).toBeUndefined();
    expect(
      retryAfterMsOf(
        h({ 'retry-after': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
        now,
      ),
    ).toBe(3_000);
  });
});

describe('parseLinkHeader', () => {
  it('maps each rel to its URL', () => {
    const links = parseLinkHeader(
      '<https://api.github.com/x?page=2&per_page=100>; rel="next", <https://api.github.com/x?page=5>; rel="last",<https://a/1>;rel=first',
    );
    expect(links).toEqual(
      new Map([
        ['next', 'https://api.github.com/x?page=2&per_page=100'],
        ['last', 'https://api.github.com/x?page=5'],
        ['first', 'https://a/1'],
      ]),
    );
    expect(parseLinkHeader('<https://a/2>; title="a, b"; rel="prev next"').get('next')).toBe(
      'https://a/2',
    );
    expect(parseLinkHeader('')).toEqual(new Map());
    expect(parseLinkHeader('garbage; rel="next"')).toEqual(new Map());
  });

  it('stays linear on hostile headers', () => {
    const hostile = [
      '<'.repeat(200_000),
      `${'<a>;'.repeat(100_000)}`,
      `<x>; rel="${'"'.repeat(100_000)}`,
      ',;='.repeat(100_000),
    ];
    const started = performance.now();
    for (const value of hostile) parseLinkHeader(value);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with full jitter under the cap', () => {
    const options = { baseMs: 1_000, maxMs: 60_000 };
    expect(retryDelayMs(1, { ...options, random: () => 0.999 })).toBe(999);
    expect(retryDelayMs(3, { ...options, random: () => 0.5 })).toBe(2_000);
    expect(retryDelayMs(30, { ...options, random: () => 0.999 })).toBeLessThanOrEqual(60_000);
    expect(retryDelayMs(2, { ...options, random: () => 0 })).toBe(0);
    for (let attempt = 1; attempt < 50; attempt++) {
      const delay = retryDelayMs(attempt, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(60_000);
    }
  });

  it('never waits less than the platform asked', () => {
    expect(
      retryDelayMs(1, { baseMs: 1_000, maxMs: 60_000, retryAfterMs: 120_000, random: () => 0.5 }),
    ).toBe(120_000);
  });
});

describe('requestJson', () => {
  it('sends JSON with a User-Agent, and names method, path and platform message on failure, never the token', async () => {
    let seen: Request | undefined;
    const fetchImpl: typeof fetch = async (input, init) => {
      seen = new Request(input, init);
      return new Response(JSON.stringify({ message: 'Bad credentials for tok_secret_1' }), {
        status: 401,
      });
    };
    const error = (await requestJson(target(fetchImpl), {
      method: 'POST',
      path: '/things/1',
      body: { a: 1 },
      headers: { Authorization: 'Bearer tok_secret_1' },
    }).catch((e: unknown) => e)) as ScmHttpError;
    expect(seen?.headers.get('user-agent')).toMatch(/^flackyness\/\d+\.\d+\.\d+/);
    expect(seen?.headers.get('content-type')).toBe('application/json');
    expect(await seen?.text()).toBe('{"a":1}');
    expect(error).toBeInstanceOf(ScmHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.message).toContain('POST /api/things/1');
    expect(error.message).toContain('Bad credentials');
    expect(error.message).not.toContain('tok_secret_1');
  });

  it('trims a long platform message', async () => {
    const fetchImpl: typeof fetch = async () =>
      new Response(JSON.stringify({ message: 'x'.repeat(5_000) }), { status: 422 });
    const error = (await requestJson(target(fetchImpl), { method: 'GET', path: '/a' }).catch(
      (e: unknown) => e,
    )) as ScmHttpError;
    expect(error.message.length).toBeLessThan(400);
  });

  it('a timeout is a retryable status 0', async () => {
    const fetchImpl: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const error = (await requestJson(target(fetchImpl, { timeoutMs: 20 }), {
      method: 'GET',
      path: '/slow',
    }).catch((e: unknown) => e)) as ScmHttpError;
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect(error.message).toContain('timed out');
  });

  it('repeats a GET once after a connection reset, but not a POST', async () => {
    let calls = 0;
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const fetchImpl: typeof fetch = async () => {
      calls++;
      if (calls === 1) throw reset;
      return new Response('{"ok":true}', { status: 200 });
    };
    expect((await requestJson(target(fetchImpl), { method: 'GET', path: '/a' })).json).toEqual({
      ok: true,
    });
    expect(calls).toBe(2);
    calls = 0;
    const error = (await requestJson(target(fetchImpl), {
      method: 'POST',
      path: '/a',
      body: {},
    }).catch((e: unknown) => e)) as ScmHttpError;
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect(calls).toBe(1);
  });

  it('a 2xx that is not JSON (Azure sign-in page) is an error that is not retried', async () => {
    const fetchImpl: typeof fetch = async () =>
      new Response('<html>Sign in</html>', { status: 203 });
    const error = (await requestJson(target(fetchImpl), { method: 'GET', path: '/a' }).catch(
      (e: unknown) => e,
    )) as ScmHttpError;
    expect(error).toMatchObject({ status: 203, retryable: false });
  });
});

describe('requestAllPages', () => {
  it('follows next links on the same origin and refuses another origin', async () => {
    const pages: Record<string, { items: number[]; link?: string }> = {
      'https://scm.example/api/list?per_page=2': {
        items: [1, 2],
        link: '<https://scm.example/api/list?page=2>; rel="next"',
      },
      'https://scm.example/api/list?page=2': {
        items: [3],
        link: '<https://evil.example/steal>; rel="next"',
      },
    };
    const requested: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      const url = String(input);
      requested.push(url);
      const page = pages[url];
      return new Response(JSON.stringify(page?.items ?? []), {
        status: 200,
        headers: page?.link ? { link: page.link } : {},
      });
    };
    const error = await requestAllPages(target(fetchImpl), {
      method: 'GET',
      path: '/list',
      query: { per_page: '2' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScmHttpError);
    expect((error as Error).message).toContain('another origin');
    expect(requested.some((u) => u.includes('evil'))).toBe(false);

    pages['https://scm.example/api/list?page=2'] = { items: [3] };
    expect(
      await requestAllPages(target(fetchImpl), {
        method: 'GET',
        path: '/list',
        query: { per_page: '2' },
      }),
    ).toEqual([1, 2, 3]);
  });
});
