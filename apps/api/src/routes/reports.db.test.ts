import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import {
  reportBytes,
  type RunDetail,
  type Totals,
  type UploadAnswer,
} from '../../test/api-shapes.ts';
import { loadReport, SECRET_MARKER, type ReportName } from '../../test/fixtures/reports.ts';

/** Upload forms, the 201 answer, stored metadata, secrets, and the `project` field. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(); // undefined when the start failed
});

const bytes = reportBytes;
const statsOf = (name: ReportName) =>
  (loadReport(name) as { stats: Omit<Totals, 'total'> & { startTime: string; duration: number } })
    .stats;
function totalsOf(name: ReportName): Totals {
  const { expected, unexpected, flaky, skipped } = statsOf(name);
  return { total: expected + unexpected + flaky + skipped, expected, unexpected, flaky, skipped };
}

const counts = (projectId: string) => countProjectRows(t, projectId);

async function getRun(token: string, runId: string): Promise<RunDetail> {
  const response = await t.request(`/api/v1/runs/${runId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RunDetail;
}

function multipart(
  token: string,
  report: Uint8Array,
  fields: Record<string, string>,
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(
    'report',
    new Blob([new Uint8Array(report)], { type: 'application/json' }),
    'results.json',
  );
  return t.request('/api/v1/reports', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** Through a real HTTP listener, so the body arrives with the Content-Length fetch computes. */
async function overHttp(
  token: string,
  body: Uint8Array,
  query: Record<string, string>,
  headers = {},
) {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  if (!server.listening)
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(
      `http://127.0.0.1:${port}/api/v1/reports?${new URLSearchParams(query)}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: new Uint8Array(body),
      },
    );
    // Read the body before the listener closes.
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      headers: response.headers,
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const metadata = () => ({
  branch: 'main',
  commit: '3f2a9c1d0e4b5a6978877665544332211aabbccd',
  pipeline: `pipe-${randomBytes(4).toString('hex')}`,
  job: 'e2e',
  ciProvider: 'gitlab',
  repository: 'group/web-shop',
  pr: '42',
  runUrl: 'https://gitlab.example/group/web-shop/-/jobs/77',
  environment: 'staging',
  runName: 'nightly',
});

type Form = (token: string, meta: Record<string, string>) => Promise<Response>;
const basic = bytes('basic');
const forms: [string, Form][] = [
  [
    'a JSON body with metadata in the query',
    (token, query) => uploadReport(t, token, basic, { query }),
  ],
  [
    'a JSON body with Content-Encoding: gzip',
    (token, query) =>
      uploadReport(t, token, gzipSync(basic), { query, headers: { 'content-encoding': 'gzip' } }),
  ],
  [
    'a gzip body without Content-Encoding (magic bytes)',
    (token, query) => uploadReport(t, token, gzipSync(basic), { query }),
  ],
  [
    'Content-Type: application/json; charset=utf-8',
    (token, query) =>
      uploadReport(t, token, basic, {
        query,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
  ],
  [
    'multipart/form-data with a report file and metadata fields',
    (token, fields) => multipart(token, basic, fields),
  ],
  [
    'multipart/form-data with a gzipped report file',
    (token, fields) => multipart(token, gzipSync(basic), fields),
  ],
  ['a real HTTP request with Content-Length', (token, query) => overHttp(token, basic, query)],
  [
    'a real HTTP request with gzip',
    (token, query) => overHttp(token, gzipSync(basic), query, { 'content-encoding': 'gzip' }),
  ],
];

describe('upload forms', () => {
  it.each(forms)('stores %s with its metadata', async (_name, send) => {
    const { project, token } = await createProject(t);
    const meta = metadata();
    const response = await send(token, meta);
    expect(response.status).toBe(201);
    const body = (await response.json()) as UploadAnswer;
    expect(body.run).toMatchObject({
      projectId: project.id,
      status: 'failed',
      source: 'upload',
      branch: meta.branch,
      commit: meta.commit,
      pipeline: meta.pipeline,
      startedAt: statsOf('basic').startTime,
      durationMs: Math.round(statsOf('basic').duration),
      totals: totalsOf('basic'),
    });
    expect(body.run.id).toMatch(/^\d+$/);

    const detail = await getRun(token, body.run.id);
    expect(detail.run).toMatchObject({
      id: body.run.id,
      job: 'e2e',
      ciProvider: 'gitlab',
      repository: meta.repository,
      pr: '42',
      runUrl: meta.runUrl,
      environment: 'staging',
      runName: 'nightly',
      playwrightVersion: '1.65.1',
      totals: totalsOf('basic'),
      parts: 1,
    });
    expect(detail.parts).toHaveLength(1);
    expect(detail.parts[0]?.totals).toEqual(totalsOf('basic'));
    expect(detail.results).toHaveLength(28);
    expect(await counts(project.id)).toEqual({ runs: 1, parts: 1, results: 28, tests: 28 });
  });

  it('answers 201 in the documented shape, flaky tests included', async () => {
    const { token } = await createProject(t);
    const response = await uploadReport(t, token, basic, {
      query: { branch: 'main', commit: 'c0ffee1' },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as UploadAnswer;
    expect(typeof body.run.id).toBe('string');
    expect(body.run.pipeline).toBeNull();
    expect(new Date(body.run.startedAt).toISOString()).toBe(body.run.startedAt);
    expect(body.url).toBe(`http://flackyness.test/runs/${body.run.id}`);
    expect(body.run.url).toBe(body.url);

    // basic.json: "flaky on first attempt" and "checkout flow > pay" are flaky in both projects.
    const detail = await getRun(token, body.run.id);
    const flakyIds = [
      ...new Set(detail.results.filter((r) => r.outcome === 'flaky').map((r) => r.testId)),
    ];
    expect(flakyIds).toHaveLength(4);
    expect([...body.flaky.inRun].sort()).toEqual([...flakyIds].sort());
    // First sighting: each flaky test is 1 flaky run out of 1, above any threshold.
    expect([...body.flaky.newlyDetected].sort()).toEqual([...flakyIds].sort());
    expect(body.flaky.activeCount).toBe(4);
    // "always fails" has never been flaky, so it is not quarantined.
    expect(body.quarantine).toEqual({ allFailuresQuarantined: false });
  });

  it('accepts the token as x-api-key', async () => {
    const { project, token } = await createProject(t);
    const response = await t.request('/api/v1/reports', {
      method: 'POST',
      headers: { 'x-api-key': token, 'content-type': 'application/json' },
      body: bytes('all-pass'),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as UploadAnswer).run).toMatchObject({
      status: 'passed',
      totals: totalsOf('all-pass'),
    });
    expect((await counts(project.id))?.runs).toBe(1);
  });

  it('never stores the credentials in the report config', async () => {
    const { project, token } = await createProject(t);
    expect(basic.toString('utf8')).toContain(SECRET_MARKER);
    const response = await uploadReport(t, token, basic);
    const { run } = (await response.json()) as UploadAnswer;
    expect(JSON.stringify(await getRun(token, run.id))).not.toContain(SECRET_MARKER);
    for (const table of ['runs', 'run_parts', 'tests', 'test_results'] as const) {
      const rows = await t.database.sql<{ row: string }[]>`
        select row_to_json(x)::text as row from ${t.database.sql(table)} x where project_id = ${project.id}`;
      expect(rows.length).toBeGreaterThan(0);
      for (const { row } of rows) expect(row).not.toContain(SECRET_MARKER);
    }
  });
});

describe('idempotency', () => {
  it('answers the same report again with 200, the same run and no change', async () => {
    const { project, token } = await createProject(t);
    const query = { pipeline: 'p-1', branch: 'main' };
    const first = (await (await uploadReport(t, token, basic, { query })).json()) as UploadAnswer;
    const before = await counts(project.id);

    const again = await uploadReport(t, token, basic, { query });
    expect(again.status).toBe(200);
    expect(((await again.json()) as UploadAnswer).run).toMatchObject({
      id: first.run.id,
      totals: totalsOf('basic'),
    });
    // The same report gzipped, or under other metadata, is still the same report.
    const gzipped = await uploadReport(t, token, gzipSync(basic), { query: { pipeline: 'p-2' } });
    expect(gzipped.status).toBe(200);
    expect(((await gzipped.json()) as UploadAnswer).run.id).toBe(first.run.id);
    expect(await counts(project.id)).toEqual(before);
  });

  it('answers a repeated Idempotency-Key with 200 and the first run, whatever the body', async () => {
    const { project, token } = await createProject(t);
    const headers = { 'idempotency-key': `job-${randomBytes(4).toString('hex')}` };
    const first = await uploadReport(t, token, basic, { headers, query: { pipeline: 'p-1' } });
    expect(first.status).toBe(201);
    const { run } = (await first.json()) as UploadAnswer;
    const before = await counts(project.id);

    const other = await uploadReport(t, token, bytes('all-pass'), {
      headers,
      query: { pipeline: 'p-9' },
    });
    expect(other.status).toBe(200);
    expect(((await other.json()) as UploadAnswer).run).toMatchObject({
      id: run.id,
      totals: totalsOf('basic'),
    });
    expect(await counts(project.id)).toEqual(before);
  });

  it('stores the same report again in another project', async () => {
    const a = await createProject(t);
    const b = await createProject(t);
    const first = (await (await uploadReport(t, a.token, basic)).json()) as UploadAnswer;
    const second = await uploadReport(t, b.token, basic);
    expect(second.status).toBe(201);
    expect(((await second.json()) as UploadAnswer).run.id).not.toBe(first.run.id);
  });
});

describe('the project field', () => {
  it('accepts the token’s own project by slug or id', async () => {
    const { project, token } = await createProject(t);
    const bySlug = await uploadReport(t, token, basic, { query: { project: project.slug } });
    expect(bySlug.status).toBe(201);
    const byId = await multipart(token, bytes('all-pass'), { project: project.id });
    expect(byId.status).toBe(201);
    expect((await counts(project.id))?.runs).toBe(2);
  });

  it('refuses another project or an unknown one with 403 and stores nothing', async () => {
    const mine = await createProject(t);
    const other = await createProject(t);
    for (const name of [other.project.slug, other.project.id, 'no-such-project-anywhere']) {
      const viaQuery = await uploadReport(t, mine.token, basic, { query: { project: name } });
      expect(viaQuery.status).toBe(403);
      expect(await viaQuery.json()).toMatchObject({
        error: { code: 'forbidden', message: expect.any(String) },
      });
      const viaForm = await multipart(mine.token, basic, { project: name });
      expect(viaForm.status).toBe(403);
    }
    const empty = { runs: 0, parts: 0, results: 0, tests: 0 };
    expect(await counts(mine.project.id)).toEqual(empty);
    expect(await counts(other.project.id)).toEqual(empty);
  });
});
