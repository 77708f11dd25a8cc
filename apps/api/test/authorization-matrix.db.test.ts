import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startTestApp, type TestApp } from './harness.ts';
import { markedReport, seedMarkedProject, type MarkedProject } from './marked-data.ts';
import { openSession } from './sessions.ts';

/**
 * Every endpoint of the app × every kind of credential → the one status DESIGN.md §5 and
 * docs/API.md (Credentials) promise, and no answer holding another project's data. The endpoint
 * list is checked against the app's router: an endpoint added without a row here fails the test.
 *
 * Project A and project B are seeded with distinctive markers in every stored text (marked-data.ts);
 * an answer to B's credentials (or to none, or to wrong ones) must hold no byte of A's marker, and
 * an answer to A's credentials none of B's, in its body or its headers.
 */

// ─── Credentials ────────────────────────────────────────────────────────────────────────────────

const CREDENTIALS = [
  'none', //          no Authorization, no x-api-key, no cookie
  'bearerEmpty', //   "Authorization: Bearer" without a token
  'bearerJunk', //    "Authorization: Bearer not a token" (spaces: not one token)
  'basic', //         "Authorization: Basic …": another scheme
  'emptyHeader', //   "Authorization: " (empty)
  'unknownToken', //  a well-formed flk_ token that does not exist
  'unknownSession', // a well-formed flks_ session that does not exist
  'rotatedA', //      A's token after a rotation, its grace period over
  'tokenB', //        project B's token (Bearer)
  'sessionB', //      a dashboard session of project B (cookie)
  'tokenA', //        project A's token (Bearer)
  'apiKeyA', //       project A's token as x-api-key
  'sessionA', //      a dashboard session of project A (Bearer flks_…)
  'cookieA', //       the same kind of session as the flk_session cookie
  'adminSession', //  a dashboard session opened with the admin token (Bearer flks_…)
  'admin', //         the admin token
] as const;
type Credential = (typeof CREDENTIALS)[number];

/** The endpoint's success status (200, 201, 202, 204, per row below). */
const OK = 'ok' as const;
type Expected = number | typeof OK;

/**
 * What each kind of endpoint answers each credential. Columns in the order of CREDENTIALS.
 * 401: no valid credential. 403: a valid credential of the wrong kind (a session never writes or
 * administers; a project token never administers; the admin token never uploads). 404: another
 * project's resource answers exactly like one that does not exist.
 */
// prettier-ignore
const ACCESS = {
  //                none bEmpty bJunk basic empty unkTok unkSes rotA | tokB sesB | tokA keyA sesA cookA | admSes admin
  /** Operations: no credentials, no project data. */
  public:         [OK,  OK,    OK,   OK,   OK,   OK,    OK,    OK,    OK,  OK,    OK,  OK,  OK,  OK,    OK,    OK],
  /** A read of one of project A's resources (project, run, test, stream, quarantine). */
  readA:          [401, 401,   401,  401,  401,  401,   401,   401,   404, 404,   OK,  OK,  OK,  OK,    OK,    OK],
  /** A read of the caller's own things (its projects, its identity). */
  readOwn:        [401, 401,   401,  401,  401,  401,   401,   401,   OK,  OK,    OK,  OK,  OK,  OK,    OK,    OK],
  /** Admin endpoints. */
  admin:          [401, 401,   401,  401,  401,  401,   401,   401,   403, 403,   403, 403, 403, 403,   403,   OK],
  /** Ingest of a new run (upload, live setup): the caller's own project. */
  ingestOwn:      [401, 401,   401,  401,  401,  401,   401,   401,   OK,  403,   OK,  OK,  403, 403,   403,   403],
  /** Ingest into A's live session (event batch, teardown). */
  ingestA:        [401, 401,   401,  401,  401,  401,   401,   401,   404, 403,   OK,  OK,  403, 403,   403,   403],
  /**
   * Login: the credential's secret is sent as the body's token (headers are not read). No token
   * (or an empty one) is a 400; anything but a live token, sessions included, 401.
   */
  login:          [400, 400,   401,  401,  400,  401,   401,   401,   OK,  401,   OK,  OK,  401, 401,   401,   OK],
  /** Logout never fails. */
  logout:         [OK,  OK,    OK,   OK,   OK,   OK,    OK,    OK,    OK,  OK,    OK,  OK,  OK,  OK,    OK,    OK],
} satisfies Record<string, Expected[]>;
type Access = keyof typeof ACCESS;

// ─── Endpoints ──────────────────────────────────────────────────────────────────────────────────

interface Fixture {
  a: MarkedProject;
  b: MarkedProject;
}

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As in Hono's `app.routes`. */
  route: string;
  access: Access;
  ok: number;
  /** The paths requested: the route with A's resources (by id and by slug where it takes a project). */
  paths: (f: Fixture) => string[];
  body?: (f: Fixture, cell: number) => { contentType: string; text: string };
  sse?: boolean;
  /**
   * Changes what later requests need (A's live session, its sessions, its integration, its
   * tokens, the project itself): its accepted requests run after every other, in table order.
   */
  destructive?: boolean;
}

const projectPaths = (suffix: string) => (f: Fixture) => [
  `/api/v1/projects/${f.a.project.id}${suffix}`,
  `/api/v1/projects/${f.a.project.slug}${suffix}`,
];
const adminProjectPaths = (suffix: string) => (f: Fixture) => [
  `/api/v1/admin/projects/${f.a.project.id}${suffix}`,
  `/api/v1/admin/projects/${f.a.project.slug}${suffix}`,
];
const json = (value: unknown) => ({ contentType: 'application/json', text: JSON.stringify(value) });

const ENDPOINTS: Endpoint[] = [
  // Operations
  { method: 'GET', route: '/health', access: 'public', ok: 200, paths: () => ['/health'] },
  { method: 'GET', route: '/ready', access: 'public', ok: 200, paths: () => ['/ready'] },
  // Without METRICS_TOKEN (its own test covers the token): no project data, only counts.
  { method: 'GET', route: '/metrics', access: 'public', ok: 200, paths: () => ['/metrics'] },
  {
    method: 'GET',
    route: '/.well-known/security.txt',
    access: 'public',
    ok: 200,
    paths: () => ['/.well-known/security.txt'],
  },
  // Sessions
  {
    method: 'POST',
    route: '/api/v1/sessions',
    access: 'login',
    ok: 201,
    paths: () => ['/api/v1/sessions'],
    // Replaced per credential in `requestFor`.
    body: () => json({}),
  },
  {
    method: 'GET',
    route: '/api/v1/session',
    access: 'readOwn',
    ok: 200,
    paths: () => ['/api/v1/session'],
  },
  {
    method: 'DELETE',
    route: '/api/v1/session',
    access: 'logout',
    ok: 204,
    paths: () => ['/api/v1/session'],
    destructive: true,
  },
  // Reads
  {
    method: 'GET',
    route: '/api/v1/projects',
    access: 'readOwn',
    ok: 200,
    paths: () => ['/api/v1/projects'],
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project',
    access: 'readA',
    ok: 200,
    paths: projectPaths(''),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/runs',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/runs'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/flaky-tests',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/flaky-tests?status=all'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/stats',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/stats'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/trend',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/trend'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/errors',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/errors'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/quarantine',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/quarantine'),
  },
  {
    method: 'GET',
    route: '/api/v1/projects/:project/stream',
    access: 'readA',
    ok: 200,
    paths: projectPaths('/stream'),
    sse: true,
  },
  {
    method: 'GET',
    route: '/api/v1/runs/:runId',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/runs/${f.a.runId}`, `/api/v1/runs/${f.a.liveRunId}`],
  },
  {
    method: 'GET',
    route: '/api/v1/runs/:runId/results',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/runs/${f.a.runId}/results`],
  },
  {
    method: 'GET',
    route: '/api/v1/runs/:runId/stream',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/runs/${f.a.liveRunId}/stream`, `/api/v1/runs/${f.a.runId}/stream`],
    sse: true,
  },
  {
    method: 'GET',
    route: '/api/v1/tests/:testId',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/tests/${f.a.testId}`],
  },
  {
    method: 'GET',
    route: '/api/v1/tests/:testId/history',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/tests/${f.a.testId}/history`],
  },
  {
    method: 'GET',
    route: '/api/v1/tests/:testId/errors',
    access: 'readA',
    ok: 200,
    paths: (f) => [`/api/v1/tests/${f.a.testId}/errors`],
  },
  // Ingest
  {
    method: 'POST',
    route: '/api/v1/reports',
    access: 'ingestOwn',
    ok: 201,
    paths: () => ['/api/v1/reports?branch=matrix'],
    // Other bytes for each request, so that none is an idempotent repeat (200).
    body: (_f, cell) => ({
      contentType: 'application/json',
      text:
        JSON.stringify(markedReport('matrix', new Date(Date.now() - 60_000))) + ' '.repeat(cell),
    }),
  },
  {
    method: 'POST',
    route: '/api/v1/ingest/setup',
    access: 'ingestOwn',
    ok: 201,
    paths: () => ['/api/v1/ingest/setup'],
    body: () => json({ framework: 'playwright', reporterVersion: '0.0.0', totalTests: 0 }),
  },
  {
    method: 'POST',
    route: '/api/v1/ingest/event',
    access: 'ingestA',
    ok: 202,
    paths: () => ['/api/v1/ingest/event'],
    body: (f) => json({ sessionId: f.a.liveSessionId, seq: 0, events: [] }),
  },
  {
    method: 'POST',
    route: '/api/v1/ingest/teardown',
    access: 'ingestA',
    ok: 200,
    paths: () => ['/api/v1/ingest/teardown'],
    body: (f) => json({ sessionId: f.a.liveSessionId, status: 'failed' }),
    destructive: true,
  },
  // Admin
  {
    method: 'POST',
    route: '/api/v1/admin/projects',
    access: 'admin',
    ok: 201,
    paths: () => ['/api/v1/admin/projects'],
    body: () => json({ name: `Matrix ${randomBytes(6).toString('hex')}` }),
  },
  {
    method: 'GET',
    route: '/api/v1/admin/projects',
    access: 'admin',
    ok: 200,
    paths: () => ['/api/v1/admin/projects'],
  },
  {
    method: 'GET',
    route: '/api/v1/admin/health',
    access: 'admin',
    ok: 200,
    paths: () => ['/api/v1/admin/health'],
  },
  {
    method: 'GET',
    route: '/api/v1/admin/projects/:project/integrations',
    access: 'admin',
    ok: 200,
    paths: adminProjectPaths('/integrations'),
  },
  {
    method: 'GET',
    route: '/api/v1/admin/projects/:project/integrations/:provider',
    access: 'admin',
    ok: 200,
    paths: adminProjectPaths('/integrations/github'),
  },
  {
    method: 'PUT',
    route: '/api/v1/admin/projects/:project/integrations/:provider',
    access: 'admin',
    ok: 200,
    paths: (f) => [`/api/v1/admin/projects/${f.a.project.id}/integrations/github`],
    body: (f) => json({ repository: `${f.a.mark}-org/${f.a.mark}-repo`, comments: false }),
    destructive: true,
  },
  {
    method: 'DELETE',
    route: '/api/v1/admin/projects/:project/integrations/:provider',
    access: 'admin',
    ok: 204,
    paths: (f) => [`/api/v1/admin/projects/${f.a.project.id}/integrations/github`],
    destructive: true,
  },
  {
    method: 'POST',
    route: '/api/v1/admin/projects/:project/rotate-token',
    access: 'admin',
    ok: 200,
    paths: (f) => [`/api/v1/admin/projects/${f.a.project.id}/rotate-token`],
    body: () => json({ graceSeconds: 0 }),
    destructive: true,
  },
  {
    method: 'DELETE',
    route: '/api/v1/admin/projects/:project',
    access: 'admin',
    ok: 204,
    paths: (f) => [`/api/v1/admin/projects/${f.a.project.id}`],
    destructive: true,
  },
];

// ─── The run ────────────────────────────────────────────────────────────────────────────────────

let t: TestApp;
let f: Fixture;
const secrets = {} as Record<Credential, string>;

beforeAll(async () => {
  t = await startTestApp();
  const a = await seedMarkedProject(t, `MarkAlpha${randomBytes(3).toString('hex')}`);
  const b = await seedMarkedProject(t, `MarkBravo${randomBytes(3).toString('hex')}`);
  // A's seeding token retired by a rotation without grace. The grace period is evaluated with the
  // database's clock (`expires_at > now()` in findProjectByToken), not the app's injectable `now`,
  // so graceSeconds 0 is what makes it expired at once.
  const rotated = await t.request(`/api/v1/admin/projects/${a.project.id}/rotate-token`, {
    method: 'POST',
    headers: adminHeaders(t, { 'content-type': 'application/json' }),
    body: JSON.stringify({ graceSeconds: 0 }),
  });
  expect(rotated.status).toBe(200);
  const tokenA = ((await rotated.json()) as { token: string }).token;
  f = { a: { ...a, token: tokenA }, b };
  const base62 = (n: number) =>
    Array.from(
      randomBytes(n),
      (x) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[x % 62],
    ).join('');
  Object.assign(secrets, {
    none: '',
    bearerEmpty: '',
    bearerJunk: 'not a token',
    basic: 'Basic dXNlcjpwYXNzd29yZA==',
    emptyHeader: '',
    unknownToken: `flk_${base62(43)}`,
    unknownSession: `flks_${base62(43)}`,
    rotatedA: a.token,
    tokenB: b.token,
    sessionB: (await openSession(t, b.token)).session,
    tokenA,
    apiKeyA: tokenA,
    sessionA: (await openSession(t, tokenA)).session,
    cookieA: (await openSession(t, tokenA)).session,
    adminSession: (await openSession(t, t.adminToken)).session,
    admin: t.adminToken,
  } satisfies Record<Credential, string>);
});
afterAll(async () => {
  await t?.close();
});

function headersFor(credential: Credential): Record<string, string> {
  const secret = secrets[credential];
  switch (credential) {
    case 'none':
      return {};
    case 'bearerEmpty':
      return { authorization: 'Bearer' };
    case 'bearerJunk':
      return { authorization: `Bearer ${secret}` };
    case 'basic':
      return { authorization: secret };
    case 'emptyHeader':
      return { authorization: '' };
    case 'apiKeyA':
      return { 'x-api-key': secret };
    case 'sessionB':
    case 'cookieA':
      return { cookie: `theme=dark; flk_session=${secret}` };
    default:
      return { authorization: `Bearer ${secret}` };
  }
}

interface Cell {
  endpoint: Endpoint;
  path: string;
  credential: Credential;
  expected: number;
  index: number;
}

function requestInit(cell: Cell): RequestInit {
  const { endpoint, credential } = cell;
  const headers = headersFor(credential);
  let body = endpoint.body?.(f, cell.index);
  if (endpoint.access === 'login') {
    const token = credential === 'none' ? undefined : secrets[credential];
    body = json(token === undefined ? {} : { token });
  }
  return {
    method: endpoint.method,
    headers: body ? { ...headers, 'content-type': body.contentType } : headers,
    ...(body ? { body: body.text } : {}),
  };
}

interface Answer {
  status: number;
  text: string;
  headers: string;
}

async function send(cell: Cell): Promise<Answer> {
  const response = await t.request(cell.path, requestInit(cell));
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  if (cell.endpoint.sse && response.status === 200) {
    // A stream never ends: its status and headers say enough; what it sends is A's own data.
    await response.body?.cancel();
    return { status: response.status, text: '', headers };
  }
  return { status: response.status, text: await response.text(), headers };
}

const onA = new Set<Credential>(['tokenA', 'apiKeyA', 'sessionA', 'cookieA']);
const onB = new Set<Credential>(['tokenB', 'sessionB']);

/** The markers an answer to `credential` must not hold: the other project's, or both. */
function forbiddenMarks(credential: Credential): string[] {
  if (credential === 'admin' || credential === 'adminSession') return [];
  if (onA.has(credential)) return [f.b.mark];
  if (onB.has(credential)) return [f.a.mark];
  return [f.a.mark, f.b.mark];
}

function cells(): Cell[] {
  const out: Cell[] = [];
  for (const endpoint of ENDPOINTS) {
    for (const path of endpoint.paths(f)) {
      CREDENTIALS.forEach((credential, column) => {
        const expected = ACCESS[endpoint.access][column] as Expected;
        out.push({
          endpoint,
          path,
          credential,
          expected: expected === OK ? endpoint.ok : expected,
          index: out.length,
        });
      });
    }
  }
  return out;
}

describe('authorization matrix', () => {
  it('covers every endpoint of the router, and nothing else', () => {
    const routed = new Set(
      t.app.routes
        // Middleware (use('*'), guards) registers as ALL on a wildcard path: not an endpoint.
        .filter((r) => !(r.method === 'ALL' && r.path.endsWith('*')))
        .map((r) => `${r.method} ${r.path}`),
    );
    const tabled = new Set(ENDPOINTS.map((e) => `${e.method} ${e.route}`));
    expect(
      [...routed].filter((r) => !tabled.has(r)),
      'endpoints without a row in ENDPOINTS',
    ).toEqual([]);
    expect(
      [...tabled].filter((r) => !routed.has(r)),
      'rows for endpoints that do not exist',
    ).toEqual([]);
  });

  it("answers B's reads of A's resources exactly as reads of ones that do not exist", async () => {
    const cases = [
      ['/api/v1/projects/{}', f.a.project.id, '987654321'],
      ['/api/v1/projects/{}/runs', f.a.project.slug, 'no-such-project'],
      ['/api/v1/runs/{}', f.a.runId, '987654321'],
      ['/api/v1/runs/{}/stream', f.a.liveRunId, '987654321'],
      ['/api/v1/tests/{}/history', f.a.testId, '987654321'],
    ] as const;
    for (const [path, id, missing] of cases) {
      for (const credential of ['tokenB', 'sessionB'] as const) {
        const init = { headers: headersFor(credential) };
        const theirs = await t.request(path.replace('{}', id), init);
        const none = await t.request(path.replace('{}', missing), init);
        expect(theirs.status, path).toBe(404);
        expect(none.status, path).toBe(404);
        // The same answer but for the id or slug asked for, which its message repeats.
        const answer = async (response: Response, asked: string) =>
          JSON.stringify(await response.json()).replaceAll(`\\"${asked}\\"`, '<id>');
        expect(await answer(theirs, id)).toBe(await answer(none, missing));
      }
    }
  });

  it('answers every endpoint × credential as the table says, leaking no other project’s data', async () => {
    const all = cells();
    // Accepted requests of destructive endpoints last, in table order: everything else needs A's
    // live session, sessions, tokens and the project itself.
    const last = (c: Cell) => c.endpoint.destructive === true && c.expected < 300;
    const ordered = [...all.filter((c) => !last(c)), ...all.filter(last)];
    const mismatches: string[] = [];
    const leaks: string[] = [];
    for (const cell of ordered) {
      const answer = await send(cell);
      const label = `${cell.endpoint.method} ${cell.path} as ${cell.credential}`;
      if (answer.status !== cell.expected) {
        mismatches.push(
          `${label}: expected ${cell.expected}, got ${answer.status} ${answer.text.slice(0, 200)}`,
        );
      }
      if (answer.status >= 400) {
        const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string')
          mismatches.push(`${label}: not the error shape: ${answer.text.slice(0, 200)}`);
      }
      for (const mark of forbiddenMarks(cell.credential)) {
        if (answer.text.includes(mark) || answer.headers.includes(mark))
          leaks.push(`${label} (${answer.status}) holds ${mark}: ${answer.text.slice(0, 300)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(leaks).toEqual([]);
    // The matrix's size, for the record: endpoints × credentials (each path once).
    expect(all.length).toBe(
      ENDPOINTS.reduce((n, e) => n + e.paths(f).length, 0) * CREDENTIALS.length,
    );
  }, 120_000);

  it('made the markers visible where they belong: A reads its own data', async () => {
    // Guards the leak check against markers that would never show anyway.
    const flaky = await t.request(`/api/v1/projects/${f.b.project.id}/flaky-tests?status=all`, {
      headers: { authorization: `Bearer ${f.b.token}` },
    });
    expect(await flaky.text()).toContain(f.b.mark);
    const run = await t.request(`/api/v1/runs/${f.b.runId}`, {
      headers: { authorization: `Bearer ${f.b.token}` },
    });
    const text = await run.text();
    for (const field of ['-branch', 'commit', '-run', '-env', ' flaky failure', '-pw'])
      expect(text).toContain(`${f.b.mark}${field}`);
  });
});
