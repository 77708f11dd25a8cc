import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { loadReport } from './fixtures/reports.ts';
import { adminHeaders, createProject, startTestApp, type TestApp } from './harness.ts';
import {
  hostileQueryValue,
  hostileString,
  mutateReport,
  mutation,
  readQuery,
  serializeReport,
} from './hostile-inputs.ts';
import { liveScriptFromReport } from './live-session.ts';
import { markedReport, seedMarkedProject, type MarkedProject } from './marked-data.ts';

/**
 * Property: no JSON body, query parameter or path parameter of any endpoint gives a 5xx, and every
 * refusal has the error shape of DESIGN.md §5. Valid bodies mutated at random places (the upload
 * fuzz's mutations: hostile strings and numbers, renamed and duplicated fields, deep nesting),
 * arbitrary JSON and non-JSON, hostile content types; hostile reads of every read endpoint. Then
 * fixed cases: SQL and HTML in every stored text come back verbatim; deep nesting, bodies over
 * their limit, invalid UTF-8, gzip where it is not expected and a gzip bomb are refused.
 * FLK_FUZZ_RUNS sets the number of fuzzed requests, FLK_FUZZ_SEED the seed.
 *
 * Throughout, a /health probe runs beside the hostile requests: it must keep being answered (a
 * request that blocked the event loop would hold it; no timing is asserted).
 */

const RUNS = Number(process.env.FLK_FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.FLK_FUZZ_SEED ?? 20261206);

let t: TestApp;
let server: ServerType;
let origin: string;
/** Reads, and the project of the live fuzz (its sessions receive the fuzzed batches). */
let seeded: MarkedProject;
/** The project whose token and integrations the admin fuzz rotates and replaces. */
let spare: { project: { id: string; slug: string }; token: string };

// ─── The /health probe ─────────────────────────────────────────────────────────────────────────

const probe = { answers: 0, failures: [] as string[], running: true, done: Promise.resolve() };

function startProbe(): void {
  probe.done = (async () => {
    while (probe.running) {
      try {
        const response = await fetch(`${origin}/health`);
        const text = await response.text();
        if (response.status === 200) probe.answers++;
        else probe.failures.push(`${response.status} ${text.slice(0, 200)}`);
      } catch (error) {
        probe.failures.push(String(error));
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
}

beforeAll(async () => {
  t = await startTestApp();
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  seeded = await seedMarkedProject(t, `Hostile${randomBytes(3).toString('hex')}`);
  spare = await createProject(t);
  startProbe();
});
afterAll(async () => {
  probe.running = false;
  await probe.done;
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await t?.close();
});

// ─── Sending ───────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** Over the network; an HTTP answer is required, never a 5xx, and a refusal has the error shape. */
async function send(path: string, init: RequestInit & { duplex?: 'half' }): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(`${origin}${path}`, init);
  } catch (error) {
    throw new Error(`no HTTP answer to ${init.method ?? 'GET'} ${path}: ${String(error)}`);
  }
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await response.body?.cancel();
    expect(response.status).toBe(200);
    return { status: response.status, body: undefined, text: '', headers: response.headers };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Checked below: an error answer must be JSON.
  }
  const what = `${init.method ?? 'GET'} ${path.slice(0, 200)}`;
  expect(response.status, `${what} answered ${text.slice(0, 300)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(body, `${what}: the error shape of DESIGN.md §5`).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  }
  return { status: response.status, body, text, headers: response.headers };
}

const admin = () => adminHeaders(t);
const asToken = (token: string) => ({ authorization: `Bearer ${token}` });

// ─── Fuzzed bodies ─────────────────────────────────────────────────────────────────────────────

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/vnd.flackyness+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
    ),
  },
);

/** A valid body mutated, arbitrary JSON, or text that is not JSON at all. */
function bodyFor(valid: unknown): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(JSON.stringify(valid)) },
    {
      weight: 6,
      arbitrary: fc
        .array(mutation, { minLength: 1, maxLength: 3 })
        .map((ms) => serializeReport(mutateReport(valid, ms))),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString.map((s) => s.slice(0, 2000)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'null',
        '[]',
        '{}',
        '{"',
        '\ufeff{}',
        '[[[[',
        '1e999',
        '"x"',
        '{"__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"polluted": true}}}',
      ),
    },
  );
}

const basic = loadReport('basic') as PlaywrightReport;
const script = liveScriptFromReport(basic, { branch: 'main', pipeline: 'fuzz', job: 'e2e' });

interface BodySample {
  kind: 'body';
  name: string;
  method: 'POST' | 'PUT';
  path: string;
  auth: Record<string, string>;
  contentType: string;
  body: string;
}

const hostileSegment = fc.oneof(
  hostileQueryValue,
  fc.constantFrom(
    '99999999999999999999',
    '9223372036854775808',
    '-1',
    '0',
    '1e3',
    '0x10',
    ' 1',
    '1.0',
    "1'--",
    '%27%20or%201%3D1%20--',
    '%3Cscript%3E',
    '..',
    '%2e%2e',
  ),
);

/** Where the fuzzed bodies go: each JSON endpoint with a valid body to mutate. */
function bodySamples(liveSessionId: () => string): fc.Arbitrary<BodySample> {
  const target = (
    name: string,
    method: BodySample['method'],
    path: fc.Arbitrary<string>,
    auth: () => Record<string, string>,
    valid: () => unknown,
  ) =>
    fc
      .record({ path, contentType, body: fc.constant(null).chain(() => bodyFor(valid())) })
      .map((r) => ({ kind: 'body' as const, name, method, auth: auth(), ...r }));
  const live = () => asToken(seeded.token);
  const now = new Date();
  return fc.oneof(
    target('create project', 'POST', fc.constant('/api/v1/admin/projects'), admin, () => ({
      name: 'Fuzzed project',
      slug: `fuzz-${randomBytes(4).toString('hex')}`,
    })),
    target(
      'rotate token',
      'POST',
      fc
        .oneof(
          { weight: 4, arbitrary: fc.constant(spare.project.id) },
          { weight: 1, arbitrary: hostileSegment },
        )
        .map((project) => `/api/v1/admin/projects/${project}/rotate-token`),
      admin,
      () => ({ graceSeconds: 3600 }),
    ),
    target(
      'integration',
      'PUT',
      fc
        .oneof(
          fc.constantFrom('github', 'gitlab', 'azure'),
          fc.constantFrom('GitHub', 'bitbucket', '', '%00', '..%2f', '__proto__'),
        )
        .map((p) => `/api/v1/admin/projects/${spare.project.slug}/integrations/${p}`),
      admin,
      () => ({
        token: 'ghp_fuzzed',
        baseUrl: 'https://api.github.com',
        repository: 'acme/web',
        comments: true,
        statuses: false,
      }),
    ),
    target(
      'login',
      'POST',
      fc.constant('/api/v1/sessions'),
      () => ({}),
      () => ({ token: seeded.token }),
    ),
    target('live setup', 'POST', fc.constant('/api/v1/ingest/setup'), live, () => ({
      ...script.setup,
      startedAt: now.toISOString(),
      runName: 'fuzzed',
      environment: 'fuzz',
      ci: { ...script.setup.ci, provider: 'gitlab', pr: '12', runUrl: 'https://ci.example/1' },
    })),
    target('live event', 'POST', fc.constant('/api/v1/ingest/event'), live, () => ({
      sessionId: liveSessionId(),
      seq: Math.floor(Math.random() * 50),
      events: script.events.slice(0, 6),
    })),
    target('live teardown', 'POST', fc.constant('/api/v1/ingest/teardown'), live, () => ({
      sessionId: liveSessionId(),
      status: 'passed',
      summary: { ...script.summary, lastSeq: null, notRun: script.notRun.slice(0, 2) },
    })),
  );
}

// ─── Fuzzed reads ──────────────────────────────────────────────────────────────────────────────

interface ReadSample {
  kind: 'read';
  method: 'GET' | 'DELETE';
  path: string;
  query: string;
  headers: Record<string, string>;
}

const readPaths = [
  '/api/v1/projects',
  '/api/v1/projects/{project}',
  '/api/v1/projects/{project}/runs',
  '/api/v1/projects/{project}/flaky-tests',
  '/api/v1/projects/{project}/stats',
  '/api/v1/projects/{project}/trend',
  '/api/v1/projects/{project}/errors',
  '/api/v1/projects/{project}/quarantine',
  '/api/v1/projects/{project}/stream',
  '/api/v1/runs/{runId}',
  '/api/v1/runs/{runId}/results',
  '/api/v1/runs/{liveRunId}/stream',
  '/api/v1/tests/{testId}',
  '/api/v1/tests/{testId}/history',
  '/api/v1/tests/{testId}/errors',
  '/api/v1/session',
  '/api/v1/admin/projects',
  '/api/v1/admin/health',
  '/api/v1/admin/projects/{project}/integrations',
  '/api/v1/admin/projects/{project}/integrations/{provider}',
  '/health',
  '/ready',
];

const readSample: fc.Arbitrary<ReadSample> = fc.record({
  kind: fc.constant('read' as const),
  method: fc.constantFrom('GET', 'GET', 'GET', 'DELETE') as fc.Arbitrary<'GET' | 'DELETE'>,
  path: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...readPaths) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...readPaths.filter((p) => p.includes('{'))), hostileSegment)
        .map(([path, segment]) => path.replace(/\{\w+\}/, segment)),
    },
  ),
  query: fc.oneof(
    readQuery,
    fc
      .tuple(fc.constantFrom('lastEventId', 'days', 'limit', 'branch'), hostileQueryValue)
      .map(([k, v]) => `${k}=${v}`),
  ),
  headers: fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('-1', '1e3', '99999999999999999999', ' ', 'abc', '0')
        .map((v) => ({ 'last-event-id': v })),
    },
  ),
});

// ─── The properties ────────────────────────────────────────────────────────────────────────────

describe('hostile JSON, queries and paths', () => {
  it(`answers ${RUNS} fuzzed requests to every JSON endpoint and read without a 5xx (seed ${SEED})`, async () => {
    // A few live sessions of the seeded project, so that batches and teardowns reach real ones.
    const sessions = [seeded.liveSessionId];
    for (let i = 0; i < 3; i++) {
      const answer = await send('/api/v1/ingest/setup', {
        method: 'POST',
        headers: { ...asToken(seeded.token), 'content-type': 'application/json' },
        body: JSON.stringify({ ...script.setup, startedAt: new Date().toISOString() }),
      });
      expect(answer.status).toBe(201);
      sessions.push((answer.body as { sessionId: string }).sessionId);
    }
    const ids: Record<string, string> = {
      project: seeded.project.slug,
      runId: seeded.runId,
      liveRunId: seeded.liveRunId,
      testId: seeded.testId,
      provider: 'github',
    };
    let pick = 0;
    const samples = fc.oneof(
      { weight: 3, arbitrary: bodySamples(() => sessions[pick++ % sessions.length] as string) },
      { weight: 2, arbitrary: readSample },
    );
    const counts: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(samples, async (sample) => {
        if (sample.kind === 'body') {
          counts[sample.name] = (counts[sample.name] ?? 0) + 1;
          const answer = await send(sample.path, {
            method: sample.method,
            headers: {
              ...sample.auth,
              ...(sample.contentType ? { 'content-type': sample.contentType } : {}),
            },
            body: sample.body,
          });
          const key = `${sample.name} ${answer.status}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
          return;
        }
        counts.read = (counts.read ?? 0) + 1;
        const path = sample.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '');
        // DELETE only where it removes nothing the fuzz needs: a session, an unknown integration.
        const method =
          sample.method === 'DELETE' && !/\/session$|integrations\/(?!github$)/.test(path)
            ? 'GET'
            : sample.method;
        await send(`${path}${sample.query ? `?${sample.query}` : ''}`, {
          method,
          headers: { ...admin(), ...sample.headers },
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (process.env.FLK_FUZZ_VERBOSE) console.info(statuses);
    // Every kind was tried (a reviewer reads the spread in a failure's message).
    if (RUNS >= 300)
      expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(
        [
          'create project',
          'integration',
          'live event',
          'live setup',
          'live teardown',
          'login',
          'read',
          'rotate token',
        ].sort(),
      );
  }, 600_000);
});

// ─── Stored verbatim ───────────────────────────────────────────────────────────────────────────

const INJECTIONS = [
  "'; drop table runs; --",
  "' or 1=1 --",
  '$$',
  '$1 $$x$$',
  'back\\slash \\\\ \\n \\u0041',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "%' or '%'='",
  '_%_',
  '"; select pg_sleep(30); --',
  '{{7*7}} ${7*7}',
];

interface RunDto {
  branch: string | null;
  commit: string | null;
  pipeline: string | null;
  job: string | null;
  repository: string | null;
  environment: string | null;
  runName: string | null;
}

async function readRun(runId: string, token: string): Promise<RunDto> {
  const answer = await send(`/api/v1/runs/${runId}`, { headers: asToken(token) });
  expect(answer.status).toBe(200);
  return (answer.body as { run: RunDto }).run;
}

describe('SQL and HTML in every stored text', () => {
  it.each(INJECTIONS)('are stored and answered verbatim: %s', async (text) => {
    // Project name.
    const created = await send('/api/v1/admin/projects', {
      method: 'POST',
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: text, slug: `inj-${randomBytes(5).toString('hex')}` }),
    });
    expect(created.status).toBe(201);
    const { project, token } = created.body as { project: { id: string }; token: string };
    const named = await send(`/api/v1/projects/${project.id}`, { headers: asToken(token) });
    expect((named.body as { project: { name: string } }).project.name).toBe(text);
    expect(named.headers.get('content-type')).toMatch(/^application\/json/);

    // Run metadata as query parameters, and as multipart form fields; test titles, files,
    // Playwright projects and error messages through the report.
    const fields = ['branch', 'commit', 'pipeline', 'job', 'repository', 'environment', 'runName'];
    const meta = (suffix: string) =>
      Object.fromEntries(fields.map((f) => [f, `${text}${suffix}`])) as Record<string, string>;
    const start = new Date(Date.now() - 600_000);
    const viaQuery = await send(`/api/v1/reports?${new URLSearchParams(meta('q'))}`, {
      method: 'POST',
      headers: { ...asToken(token), 'content-type': 'application/json' },
      body: JSON.stringify(markedReport(text, start)),
    });
    expect(viaQuery.status).toBe(201);
    const form = new FormData();
    for (const [name, value] of Object.entries(meta('f'))) form.append(name, value);
    form.append(
      'report',
      new Blob([JSON.stringify(markedReport(text, start, { suffix: 'f' }))]),
      'r.json',
    );
    const viaForm = await send('/api/v1/reports', {
      method: 'POST',
      headers: asToken(token),
      body: form,
    });
    expect(viaForm.status).toBe(201);
    for (const [answer, suffix] of [
      [viaQuery, 'q'],
      [viaForm, 'f'],
    ] as const) {
      const run = await readRun((answer.body as { run: { id: string } }).run.id, token);
      expect(run).toMatchObject(meta(suffix));
    }

    const runId = (viaQuery.body as { run: { id: string } }).run.id;
    const results = await send(`/api/v1/runs/${runId}/results`, { headers: asToken(token) });
    const items = (results.body as { items: Record<string, unknown>[] }).items;
    expect(items.map((i) => i.title).sort()).toEqual(
      [`${text} fails`, `${text} flaky`, `${text} passes`].sort(),
    );
    // A file is a path: backslashes (Windows separators) are stored as forward slashes.
    expect(new Set(items.map((i) => i.file))).toEqual(
      new Set([`${text.replaceAll('\\', '/')}-file.spec.ts`]),
    );
    expect(new Set(items.map((i) => i.projectName))).toEqual(new Set([`${text}-pw`]));
    const failed = items.find((i) => i.title === `${text} fails`) as { error: { message: string } };
    expect(failed.error.message).toBe(`Error: ${text} hard failure`);
    // The text as a search: LIKE's % and _ and SQL quotes match themselves.
    const searched = await send(
      `/api/v1/runs/${runId}/results?q=${encodeURIComponent(`${text} fa`)}`,
      { headers: asToken(token) },
    );
    expect((searched.body as { items: { title: string }[] }).items.map((i) => i.title)).toEqual([
      `${text} fails`,
    ]);
    const flaky = await send(
      `/api/v1/projects/${project.id}/flaky-tests?status=all&q=${encodeURIComponent(text)}&branch=${encodeURIComponent(`${text}q`)}`,
      { headers: asToken(token) },
    );
    expect((flaky.body as { items: { title: string }[] }).items.map((i) => i.title)).toContain(
      `${text} flaky`,
    );

    // Live setup's CI fields.
    const setup = await send('/api/v1/ingest/setup', {
      method: 'POST',
      headers: { ...asToken(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        framework: 'playwright',
        reporterVersion: '0.0.0',
        totalTests: 1,
        runName: `${text}l`,
        environment: `${text}l`,
        ci: {
          repository: `${text}l`,
          branch: `${text}l`,
          commit: `${text}l`,
          pipeline: `${text}l`,
          job: `${text}l`,
        },
      }),
    });
    expect(setup.status).toBe(201);
    expect(await readRun((setup.body as { runId: string }).runId, token)).toMatchObject(meta('l'));

    // The integration's repository, where the platform's rules allow the text (GitLab takes
    // group/sub/project: any segment without %, ?, #, a backslash or spaces).
    for (const provider of ['gitlab', 'azure'] as const) {
      const repository = provider === 'gitlab' ? `group/${text}` : `org/${text}/repo`;
      const put = await send(`/api/v1/admin/projects/${project.id}/integrations/${provider}`, {
        method: 'PUT',
        headers: { ...admin(), 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'glpat-x', repository }),
      });
      expect([201, 400]).toContain(put.status);
      if (put.status === 201) {
        const got = await send(`/api/v1/admin/projects/${project.id}/integrations/${provider}`, {
          headers: admin(),
        });
        expect((got.body as { integration: { repository: string } }).integration.repository).toBe(
          repository,
        );
      }
    }
  });

  it('left every table in place', async () => {
    const [row] = await t.database.sql<{ n: number }[]>`
      select count(*)::int as n from runs where project_id = ${seeded.project.id}`;
    expect(row?.n).toBeGreaterThan(0);
  });
});

// ─── Refused as they should be ─────────────────────────────────────────────────────────────────

/** Every JSON endpoint but the upload, with the credentials it needs. */
function jsonEndpoints(): {
  name: string;
  method: string;
  path: string;
  auth: Record<string, string>;
  limit: number;
}[] {
  const live = asToken(seeded.token);
  const body = t.config.BODY_MAX_BYTES;
  const liveLimit = t.config.LIVE_BODY_MAX_BYTES;
  return [
    {
      name: 'create project',
      method: 'POST',
      path: '/api/v1/admin/projects',
      auth: admin(),
      limit: body,
    },
    {
      name: 'rotate token',
      method: 'POST',
      path: `/api/v1/admin/projects/${spare.project.id}/rotate-token`,
      auth: admin(),
      limit: body,
    },
    {
      name: 'integration',
      method: 'PUT',
      path: `/api/v1/admin/projects/${spare.project.id}/integrations/github`,
      auth: admin(),
      limit: body,
    },
    { name: 'login', method: 'POST', path: '/api/v1/sessions', auth: {}, limit: body },
    {
      name: 'live setup',
      method: 'POST',
      path: '/api/v1/ingest/setup',
      auth: live,
      limit: liveLimit,
    },
    {
      name: 'live event',
      method: 'POST',
      path: '/api/v1/ingest/event',
      auth: live,
      limit: liveLimit,
    },
    {
      name: 'live teardown',
      method: 'POST',
      path: '/api/v1/ingest/teardown',
      auth: live,
      limit: liveLimit,
    },
  ];
}

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('bodies no endpoint accepts', () => {
  it('deep nesting (10,000 levels) is a 400, at the root and in a field, uploads included', async () => {
    const deep = [
      nestedArrays(10_000),
      nestedObjects(10_000),
      `{"name": ${nestedArrays(10_000)}}`,
      `{"token": ${nestedObjects(10_000)}}`,
      `{"sessionId": "x", "seq": 0, "events": ${nestedArrays(10_000)}}`,
    ];
    for (const endpoint of jsonEndpoints()) {
      for (const text of deep) {
        const answer = await send(endpoint.path, {
          method: endpoint.method,
          headers: { ...endpoint.auth, 'content-type': 'application/json' },
          body: text,
        });
        expect(answer.status, `${endpoint.name}: ${answer.text.slice(0, 200)}`).toBe(400);
      }
    }
    // A report of suites nested 10,000 deep, and deep values where a report holds free JSON.
    const suite = (depth: number): string =>
      '{"title":"s","suites":['.repeat(depth) + '{"title":"leaf"}' + ']}'.repeat(depth);
    const report = (start: string) =>
      JSON.stringify(markedReport('deep', new Date(Date.now() - 60_000))).replace(
        /^\{/,
        `{${start},`,
      );
    for (const text of [
      nestedArrays(10_000),
      `{"config":{},"suites":[${suite(10_000)}]}`,
      report(`"deepField": ${nestedObjects(10_000)}`),
      // An annotation's description is free JSON, kept as its JSON text.
      report('"x": 1').replaceAll(
        '"description":"deep note"',
        `"description":${nestedArrays(10_000)}`,
      ),
    ]) {
      const answer = await send('/api/v1/reports', {
        method: 'POST',
        headers: { ...asToken(seeded.token), 'content-type': 'application/json' },
        body: text,
      });
      expect([200, 201, 400], answer.text.slice(0, 200)).toContain(answer.status);
    }
  });

  it('a report nests describe blocks up to 200 levels deep; deeper is refused as invalid', async () => {
    const report = (depth: number) => {
      const base = markedReport(`depth${depth}`, new Date(Date.now() - 60_000));
      const file = base.suites[0] as Record<string, unknown>;
      let inner: Record<string, unknown> = file;
      for (let level = 2; level <= depth; level++) {
        const child: Record<string, unknown> = { title: `level ${level}`, file: file.file };
        inner.suites = [child];
        inner = child;
      }
      inner.specs = file.specs;
      file.specs = [];
      return JSON.stringify({ ...base, stats: { ...base.stats, flaky: 0, unexpected: 0 } });
    };
    const upload = (depth: number) =>
      send('/api/v1/reports', {
        method: 'POST',
        headers: { ...asToken(seeded.token), 'content-type': 'application/json' },
        body: report(depth),
      });
    const deepest = await upload(200);
    expect(deepest.status, deepest.text.slice(0, 300)).toBe(201);
    const runId = (deepest.body as { run: { id: string } }).run.id;
    const results = await send(`/api/v1/runs/${runId}/results`, { headers: asToken(seeded.token) });
    const [result] = (results.body as { items: { titlePath: string[] }[] }).items;
    expect(result?.titlePath).toHaveLength(200);
    const deeper = await upload(201);
    expect(deeper.status).toBe(400);
    expect(deeper.body).toMatchObject({
      error: { code: 'invalid_report', details: [{ path: 'suites[0]' }] },
    });
  });

  it('a body just over its limit is a 413, with a Content-Length and streamed without one', async () => {
    for (const endpoint of jsonEndpoints()) {
      const text = `{"name":"${'a'.repeat(endpoint.limit - 10)}"}`;
      expect(Buffer.byteLength(text)).toBe(endpoint.limit + 1);
      const sized = await send(endpoint.path, {
        method: endpoint.method,
        headers: { ...endpoint.auth, 'content-type': 'application/json' },
        body: text,
      });
      expect(sized.status, endpoint.name).toBe(413);
      const bytes = Buffer.from(text);
      const streamed = await send(endpoint.path, {
        method: endpoint.method,
        headers: { ...endpoint.auth, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 65_536)
              controller.enqueue(bytes.subarray(i, i + 65_536));
            controller.close();
          },
        }),
        duplex: 'half',
      });
      expect(streamed.status, `${endpoint.name}, streamed`).toBe(413);
    }
    const report = Buffer.alloc(t.config.REPORT_MAX_BYTES + 1, 0x20);
    const upload = await send('/api/v1/reports', {
      method: 'POST',
      headers: { ...asToken(seeded.token), 'content-type': 'application/json' },
      body: report,
    });
    expect(upload.status).toBe(413);
  });

  it('invalid UTF-8 in a JSON body is a 400', async () => {
    const invalid = [
      Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"name":"x'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
    ];
    for (const endpoint of jsonEndpoints()) {
      for (const bytes of invalid) {
        const answer = await send(endpoint.path, {
          method: endpoint.method,
          headers: { ...endpoint.auth, 'content-type': 'application/json' },
          body: bytes,
        });
        expect(answer.status, `${endpoint.name}: ${answer.text.slice(0, 200)}`).toBe(400);
        expect((answer.body as { error: { code: string } }).error.code).toBe('invalid_json');
      }
    }
  });

  it('a gzip body on a JSON endpoint other than the upload is refused', async () => {
    for (const endpoint of jsonEndpoints()) {
      const answer = await send(endpoint.path, {
        method: endpoint.method,
        headers: {
          ...endpoint.auth,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: gzipSync(JSON.stringify({ name: 'gzipped', token: 'x' })),
      });
      expect([400, 415], `${endpoint.name}: ${answer.text.slice(0, 200)}`).toContain(answer.status);
    }
  });

  it('a gzip bomb upload is a 413, inflated no further than the limit', async () => {
    // 64 gzip members of 16 MiB of zeros each: 1 GiB inflated from about 1 MiB sent.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    expect(bomb.length).toBeLessThan(t.config.REPORT_MAX_BYTES);
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
    try {
      const asJson = await send('/api/v1/reports', {
        method: 'POST',
        headers: {
          ...asToken(seeded.token),
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: bomb,
      });
      expect(asJson.status).toBe(413);
      // Without the header: recognised by its magic bytes.
      const unlabelled = await send('/api/v1/reports', {
        method: 'POST',
        headers: { ...asToken(seeded.token), 'content-type': 'application/json' },
        body: bomb,
      });
      expect(unlabelled.status).toBe(413);
      const form = new FormData();
      form.append('report', new Blob([bomb]), 'report.json.gz');
      const multipart = await send('/api/v1/reports', {
        method: 'POST',
        headers: asToken(seeded.token),
        body: form,
      });
      expect(multipart.status).toBe(413);
    } finally {
      clearInterval(sampler);
    }
    // 1 GiB inflated would show; the limit (10 MiB) and its copies stay far below.
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('the event loop', () => {
  it('kept answering /health beside every hostile request', () => {
    expect(probe.failures).toEqual([]);
    expect(probe.answers).toBeGreaterThan(0);
  });
});
