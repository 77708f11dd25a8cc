import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { adminHeaders, createProject, startTestApp, type TestApp } from '../../test/harness.ts';

/** DESIGN.md §8: each limit refuses the request past it, per key, until its window passes. */
const opened: TestApp[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

const OFF = {
  RATE_LIMIT_UPLOADS_PER_MIN: '0',
  RATE_LIMIT_INGEST_PER_MIN: '0',
  RATE_LIMIT_READS_PER_MIN: '0',
  RATE_LIMIT_ADMIN_PER_MIN: '0',
  RATE_LIMIT_LOGINS_PER_MIN: '0',
};

async function open(env: Record<string, string>, clock?: { at: number }) {
  const t = await startTestApp({
    env: { ...OFF, ...env },
    ...(clock ? { now: () => new Date(clock.at) } : {}),
  });
  opened.push(t);
  return t;
}

async function expectRateLimited(response: Response, name: string) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^"${name}";r=0;t=\\d+$`));
  expect(response.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"${name}";q=\\d+;w=60$`));
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toContain(name);
}

const read = (t: TestApp, address: string, init: RequestInit = {}) =>
  t.request('/api/v1/projects', { headers: adminHeaders(t), ...init }, { address });

describe('reads, per address', () => {
  it('the request past the limit gets 429 with RateLimit and Retry-After; another address is not affected; the next window restores access', async () => {
    const clock = { at: Date.parse('2030-01-01T00:00:00Z') };
    const t = await open({ RATE_LIMIT_READS_PER_MIN: '3' }, clock);
    for (let i = 0; i < 3; i++) {
      const ok = await read(t, '10.0.0.1');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit')).toBe(`"reads";r=${2 - i};t=60`);
      expect(ok.headers.get('ratelimit-policy')).toBe('"reads";q=3;w=60');
    }
    clock.at += 20_000;
    const refused = await read(t, '10.0.0.1');
    await expectRateLimited(refused, 'reads');
    expect(refused.headers.get('retry-after')).toBe('40');
    expect((await read(t, '10.0.0.2')).status).toBe(200);
    clock.at += 40_000;
    expect((await read(t, '10.0.0.1')).status).toBe(200);
  });

  it('X-Forwarded-For is ignored with TRUST_PROXY=0', async () => {
    const t = await open({ RATE_LIMIT_READS_PER_MIN: '1' });
    const spoof = (value: string) => ({ headers: adminHeaders(t, { 'x-forwarded-for': value }) });
    expect((await read(t, '10.0.0.1', spoof('1.1.1.1'))).status).toBe(200);
    // Another forwarded address, same socket: the same client.
    await expectRateLimited(await read(t, '10.0.0.1', spoof('2.2.2.2')), 'reads');
  });

  it('with TRUST_PROXY=1, the address the proxy appended is the client', async () => {
    const t = await open({ RATE_LIMIT_READS_PER_MIN: '1', TRUST_PROXY: '1' });
    const via = (value: string) => ({ headers: adminHeaders(t, { 'x-forwarded-for': value }) });
    expect((await read(t, '10.0.0.9', via('1.1.1.1'))).status).toBe(200);
    // Same proxy, another client: its own count.
    expect((await read(t, '10.0.0.9', via('2.2.2.2'))).status).toBe(200);
    // A client's own prefix before the proxy's entry changes nothing.
    await expectRateLimited(await read(t, '10.0.0.9', via('9.9.9.9, 1.1.1.1')), 'reads');
  });

  it('an SSE stream counts once, when it opens; /health and /ready are not limited', async () => {
    const t = await open({ RATE_LIMIT_READS_PER_MIN: '1' });
    const { project } = await createProject(t);
    const controller = new AbortController();
    const stream = await t.request(
      `/api/v1/projects/${project.id}/stream`,
      { headers: adminHeaders(t), signal: controller.signal },
      { address: '10.0.0.3' },
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get('ratelimit')).toBe('"reads";r=0;t=60');
    await stream.body?.cancel();
    controller.abort();
    await expectRateLimited(await read(t, '10.0.0.3'), 'reads');
    for (let i = 0; i < 3; i++) {
      expect((await t.request('/health', {}, { address: '10.0.0.3' })).status).toBe(200);
      expect((await t.request('/ready', {}, { address: '10.0.0.3' })).status).toBe(200);
    }
  });
});

describe('admin and logins, per address', () => {
  it('admin calls past their limit get 429', async () => {
    const t = await open({ RATE_LIMIT_ADMIN_PER_MIN: '2' });
    for (let i = 0; i < 2; i++) {
      const ok = await t.request(
        '/api/v1/admin/projects',
        { headers: adminHeaders(t) },
        { address: '10.1.0.1' },
      );
      expect(ok.status).toBe(200);
    }
    const refused = await t.request(
      '/api/v1/admin/projects',
      { headers: adminHeaders(t) },
      { address: '10.1.0.1' },
    );
    await expectRateLimited(refused, 'admin');
    const other = await t.request(
      '/api/v1/admin/projects',
      { headers: adminHeaders(t) },
      { address: '10.1.0.2' },
    );
    expect(other.status).toBe(200);
  });

  it('login attempts past their limit get 429, whether they succeeded or not', async () => {
    const t = await open({ RATE_LIMIT_LOGINS_PER_MIN: '2' });
    const login = (token: string, address: string) =>
      t.request(
        '/api/v1/sessions',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token }),
        },
        { address },
      );
    expect((await login('flk_wrong', '10.2.0.1')).status).toBe(401);
    expect((await login(t.adminToken, '10.2.0.1')).status).toBe(201);
    await expectRateLimited(await login(t.adminToken, '10.2.0.1'), 'logins');
    expect((await login(t.adminToken, '10.2.0.2')).status).toBe(201);
  });
});

describe('uploads and live events, per token hash', () => {
  const upload = (t: TestApp, token: string) =>
    t.request(
      '/api/v1/reports',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      },
      { address: '10.3.0.1' },
    );

  it('each token counts apart, also a rotated one and another of the same project', async () => {
    const clock = { at: Date.parse('2030-01-01T00:00:00Z') };
    const t = await open({ RATE_LIMIT_UPLOADS_PER_MIN: '2' }, clock);
    const first = await createProject(t);
    const other = await createProject(t);
    // Counted whatever the answer (here 400: not a report).
    expect((await upload(t, first.token)).status).toBe(400);
    expect((await upload(t, first.token)).status).toBe(400);
    await expectRateLimited(await upload(t, first.token), 'uploads');
    expect((await upload(t, other.token)).status).toBe(400);

    const rotated = await t.request(`/api/v1/admin/projects/${first.project.id}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ graceSeconds: 3600 }),
    });
    expect(rotated.status).toBe(200);
    const { token: newToken } = (await rotated.json()) as { token: string };
    // The new token of the same project, from the same address: a count of its own.
    expect((await upload(t, newToken)).status).toBe(400);
    await expectRateLimited(await upload(t, first.token), 'uploads');
    clock.at += 60_000;
    expect((await upload(t, first.token)).status).toBe(400);
  });

  it('live events have their own limit, keyed by token', async () => {
    const t = await open({ RATE_LIMIT_INGEST_PER_MIN: '1' });
    const a = await createProject(t);
    const b = await createProject(t);
    const setup = (token: string) =>
      t.request('/api/v1/ingest/setup', {
        method: 'POST',
        headers: { 'x-api-key': token, 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await setup(a.token)).status).toBe(400);
    await expectRateLimited(await setup(a.token), 'ingest');
    expect((await setup(b.token)).status).toBe(400);
    // Uploads are another limit, off here.
    expect((await upload(t, a.token)).status).toBe(400);
  });
});

describe('Redis store', () => {
  it('two instances with one REDIS_URL share a limit', async () => {
    const env = {
      RATE_LIMIT_READS_PER_MIN: '3',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_REDIS_PREFIX: `flk-test:${randomBytes(6).toString('hex')}:`,
    };
    const one = await open(env);
    const two = await open(env);
    const headers = { headers: adminHeaders(one) };
    const headersTwo = { headers: adminHeaders(two) };
    expect((await one.request('/api/v1/projects', headers, { address: '10.4.0.1' })).status).toBe(
      200,
    );
    expect(
      (await two.request('/api/v1/projects', headersTwo, { address: '10.4.0.1' })).status,
    ).toBe(200);
    const third = await one.request('/api/v1/projects', headers, { address: '10.4.0.1' });
    expect(third.headers.get('ratelimit')).toMatch(/^"reads";r=0;t=\d+$/);
    await expectRateLimited(
      await two.request('/api/v1/projects', headersTwo, { address: '10.4.0.1' }),
      'reads',
    );
    expect((await one.request('/api/v1/projects', headers, { address: '10.4.0.2' })).status).toBe(
      200,
    );
  });

  it('an unreachable Redis lets requests through', async () => {
    const t = await open({ RATE_LIMIT_READS_PER_MIN: '1', REDIS_URL: 'redis://127.0.0.1:1' });
    for (let i = 0; i < 3; i++) {
      const response = await read(t, '10.5.0.1');
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit')).toBeNull();
    }
  });
});
