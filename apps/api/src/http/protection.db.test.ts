import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  createIsolatedDatabase,
  dbMode,
  startTestApp,
  type TestApp,
} from '../../test/harness.ts';

/** DESIGN.md §8: time budgets, CORS, cross-site cookie writes, HSTS, security.txt. */
const opened: TestApp[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function open(options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp(options);
  opened.push(t);
  return t;
}

describe('time budgets', () => {
  it.skipIf(dbMode !== 'postgres')(
    'a read past READ_TIMEOUT_MS answers 504 and its statement is cancelled by the server',
    async () => {
      // A database of its own: the lock below would hold up other files' tests.
      const iso = await createIsolatedDatabase();
      const locker = postgres(iso.url, { max: 1, onnotice: () => {} });
      try {
        const t = await open({ databaseUrl: iso.url, env: { READ_TIMEOUT_MS: '500' } });
        await locker.begin(async (tx) => {
          // The read's query waits on this lock for as long as the lock is held: only its
          // statement_timeout can end it.
          await tx`lock table projects in access exclusive mode`;
          const response = await t.request('/api/v1/projects', { headers: adminHeaders(t) });
          expect(response.status).toBe(504);
          expect(await response.json()).toEqual({
            error: { code: 'timeout', message: expect.any(String) },
          });
          // The lock is still held: a query still waiting on it would show here.
          const waiting = async () => {
            const [row] = await tx<{ count: number }[]>`
              select count(*)::int as count from pg_stat_activity
              where datname = current_database() and application_name = 'flackyness'
                and state = 'active' and wait_event_type = 'Lock'`;
            return row?.count ?? -1;
          };
          // The server cancels it at the same budget as the answer; give it a moment to land.
          let count = await waiting();
          for (let i = 0; i < 50 && count !== 0; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            count = await waiting();
          }
          expect(count).toBe(0);
        });
        // Without the lock, the same read answers.
        const t2 = opened[0] as TestApp;
        expect((await t2.request('/api/v1/projects', { headers: adminHeaders(t2) })).status).toBe(
          200,
        );
      } finally {
        await Promise.all(opened.splice(0).map((t) => t.close()));
        await locker.end();
        await iso.drop();
      }
    },
  );
});

describe('CORS', () => {
  const preflight = (t: TestApp, origin: string) =>
    t.request('/api/v1/projects', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

  it('answers allowed origins, never with credentials, and not others', async () => {
    const t = await open({
      env: { CORS_ORIGINS: 'https://ci.example, https://tools.example:8443' },
    });
    const allowed = await preflight(t, 'https://ci.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ci.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await t.request('/api/v1/projects', {
      headers: adminHeaders(t, { origin: 'https://tools.example:8443' }),
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('https://tools.example:8443');
    expect(get.headers.get('access-control-expose-headers')).toContain('RateLimit');

    const refused = await preflight(t, 'https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const refusedGet = await t.request('/api/v1/projects', {
      headers: adminHeaders(t, { origin: 'https://evil.example' }),
    });
    expect(refusedGet.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers at all by default', async () => {
    const t = await open();
    const response = await preflight(t, 'https://ci.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    const get = await t.request('/api/v1/projects', {
      headers: adminHeaders(t, { origin: 'https://ci.example' }),
    });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('cross-site requests with the session cookie', () => {
  it('a cross-site logout with the cookie is refused 403 and the session lives on; a same-origin one ends it', async () => {
    const t = await open();
    const login = await t.request('/api/v1/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.adminToken }),
    });
    const { session } = (await login.json()) as { session: string };
    const logout = (headers: Record<string, string>) =>
      t.request('/api/v1/session', {
        method: 'DELETE',
        headers: { cookie: `flk_session=${session}`, ...headers },
      });
    const alive = async () =>
      (await t.request('/api/v1/session', { headers: { authorization: `Bearer ${session}` } }))
        .status;

    const bySite = await logout({ 'sec-fetch-site': 'cross-site' });
    expect(bySite.status).toBe(403);
    expect(((await bySite.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await logout({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await logout({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect(await alive()).toBe(200);

    // Reading with the cookie from anywhere is no write.
    const read = await t.request('/api/v1/session', {
      headers: { cookie: `flk_session=${session}`, 'sec-fetch-site': 'cross-site' },
    });
    expect(read.status).toBe(200);

    const same = await logout({
      'sec-fetch-site': 'same-origin',
      origin: 'http://flackyness.test',
    });
    expect(same.status).toBe(204);
    expect(await alive()).toBe(401);
  });
});

describe('secure headers and security.txt', () => {
  it('HSTS only when PUBLIC_URL is https', async () => {
    const plain = await open();
    expect((await plain.request('/health')).headers.get('strict-transport-security')).toBeNull();
    const tls = await open({ env: { PUBLIC_URL: 'https://flaky.example.com' } });
    expect((await tls.request('/health')).headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('serves /.well-known/security.txt (RFC 9116), expiring within a year of the app clock', async () => {
    const at = Date.parse('2031-03-04T05:06:07.890Z');
    const t = await open({
      now: () => new Date(at),
      env: { SECURITY_CONTACT: 'mailto:sec@example.com' },
    });
    const response = await t.request('/.well-known/security.txt');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toContain('Contact: mailto:sec@example.com');
    expect(lines).toContain('Preferred-Languages: en');
    expect(lines.find((l) => l.startsWith('Policy: '))).toMatch(
      /^Policy: https:\/\/.+SECURITY\.md$/,
    );
    expect(lines).toContain('Canonical: http://flackyness.test/.well-known/security.txt');
    const expires = Date.parse((lines.find((l) => l.startsWith('Expires: ')) ?? '').slice(9));
    expect(expires).toBeGreaterThan(at);
    expect(expires - at).toBeLessThan(365 * 86_400_000);
  });
});
