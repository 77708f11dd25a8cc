import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadReport } from './fixtures/reports.ts';
import { noon, placeAt, type RawReport } from './flakiness-reports.ts';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from './harness.ts';
import {
  hostileQueryValue,
  loadBaseReports,
  mutateReport,
  mutation,
  readQuery,
  serializeReport,
  uploadHeaders,
  uploadQuery,
  wellFormed,
} from './hostile-inputs.ts';

/**
 * Property: no input gives a 5xx or goes unanswered, and a refused upload stores nothing
 * (DESIGN.md §5, §8). Mutated real reports with hostile metadata and headers, and hostile reads
 * with forged cursors, sent through a real HTTP listener. FLK_FUZZ_RUNS sets the number of
 * requests, FLK_FUZZ_SEED the seed (fixed by default, so a failure is reproducible).
 */

const RUNS = Number(process.env.FLK_FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FLK_FUZZ_SEED ?? 20261202);

let t: TestApp;
let server: ServerType;
let origin: string;
let project: { id: string; slug: string };
let token: string;
let testId: string;
let runId: string;

beforeAll(async () => {
  t = await startTestApp();
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ project, token } = await createProject(t));
  const seeded = placeAt(loadReport('basic') as RawReport, noon(1));
  const upload = await uploadReport(t, token, seeded, { query: { branch: 'main', commit: 'c0' } });
  runId = ((await upload.json()) as { run: { id: string } }).run.id;
  const [row] = await t.database.sql<{ testId: string }[]>`
    select test_id::text as "testId" from test_results where run_id = ${runId} limit 1`;
  testId = row?.testId ?? '';
});
afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await t?.close();
});

interface Answer {
  status: number;
  body: unknown;
}

/** Sends a request over the network; an HTTP answer is required, a dropped connection fails. */
async function send(path: string, init: RequestInit): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(`${origin}${path}`, init);
  } catch (error) {
    throw new Error(`no HTTP answer to ${init.method ?? 'GET'} ${path}: ${String(error)}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Checked below: an error answer must be JSON.
  }
  expect(response.status, `${path} answered ${text.slice(0, 300)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(body, `${path}: the error shape of DESIGN.md §5`).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  }
  return { status: response.status, body };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const outcomes = ['expected', 'unexpected', 'flaky', 'skipped'] as const;
type Totals = Record<(typeof outcomes)[number] | 'total', number>;

/** Playwright's counts where the report has all four (the app takes them as they are), else null. */
function statsTotals(text: string): Totals | null {
  let stats: unknown;
  try {
    stats = (JSON.parse(text) as { stats?: unknown }).stats;
  } catch {
    return null;
  }
  if (stats === null || typeof stats !== 'object') return null;
  const counts = stats as Record<string, unknown>;
  if (!outcomes.every((o) => typeof counts[o] === 'number')) return null;
  const [expected, unexpected, flaky, skipped] = outcomes.map((o) => counts[o] as number);
  return {
    total: expected! + unexpected! + flaky! + skipped!,
    expected: expected!,
    unexpected: unexpected!,
    flaky: flaky!,
    skipped: skipped!,
  };
}

/** The stored part of an accepted upload, its run, and what its results add up to. */
async function checkStoredPart(answerRunId: string, reportText: string, reportBytes: Uint8Array) {
  const sql = t.database.sql;
  const [part] = await sql<(Totals & { id: string })[]>`
    select id, total, expected, unexpected, flaky, skipped from run_parts
    where project_id = ${project.id} and run_id = ${answerRunId} and content_hash = ${sha256(reportBytes)}`;
  expect(part, 'the accepted part is stored').toBeDefined();
  const [run] = await sql<(Totals & { partsTotal: number })[]>`
    select r.total, r.expected, r.unexpected, r.flaky, r.skipped,
      (select sum(p.total)::int from run_parts p where p.project_id = r.project_id and p.run_id = r.id)
        as "partsTotal"
    from runs r where r.project_id = ${project.id} and r.id = ${answerRunId}`;
  expect(run?.total, "a run's totals add up its parts'").toBe(run?.partsTotal);
  const counted = { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (const row of await sql<{ outcome: (typeof outcomes)[number]; n: number }[]>`
    select outcome, count(*)::int as n from test_results
    where project_id = ${project.id} and run_id = ${answerRunId} and part_id = ${part!.id}
    group by outcome`) {
    counted[row.outcome] = row.n;
    counted.total += row.n;
  }
  const { id: _id, ...totals } = part!;
  // With Playwright's stats the part's totals are the report's; without, its stored results'.
  expect(totals, 'the part says what was stored').toEqual(statsTotals(reportText) ?? counted);
}

const base = loadBaseReports(new Date());

const uploadSample = fc.record({
  kind: fc.constant('upload' as const),
  report: fc.nat({ max: base.length - 1 }),
  mutations: fc.array(mutation, { maxLength: 3 }),
  text: fc.constantFrom('as is', 'as is', 'as is', 'gzip', 'truncated', 'bom', 'not an object'),
  query: uploadQuery,
  headers: uploadHeaders,
  auth: fc.constantFrom('authorization', 'x-api-key'),
});

const readSample = fc.record({
  kind: fc.constant('read' as const),
  path: fc.oneof(
    fc.constantFrom(
      '/api/v1/projects/{slug}/flaky-tests',
      '/api/v1/projects/{id}/runs',
      '/api/v1/projects/{slug}/errors',
      '/api/v1/projects/{slug}/stats',
      '/api/v1/projects/{slug}/trend',
      '/api/v1/projects/{slug}/quarantine',
      '/api/v1/tests/{testId}',
      '/api/v1/tests/{testId}/history',
      '/api/v1/tests/{testId}/errors',
      '/api/v1/runs/{runId}',
      '/api/v1/runs/{runId}/results',
      '/api/v1/projects',
      '/api/v1/session',
    ),
    fc
      .tuple(
        fc.constantFrom('/api/v1/tests/', '/api/v1/runs/', '/api/v1/projects/'),
        fc.oneof(
          hostileQueryValue,
          fc.constantFrom('99999999999999999999', '-1', '1e3', '0', '9223372036854775808'),
        ),
        fc.constantFrom('', '/history', '/runs', '/flaky-tests', '/errors', '/results'),
      )
      .map((parts) => parts.join('')),
  ),
  query: readQuery,
});

type UploadSample = typeof uploadSample extends fc.Arbitrary<infer T> ? T : never;
type ReadSample = typeof readSample extends fc.Arbitrary<infer T> ? T : never;

function reportText(sample: UploadSample): string {
  const report = mutateReport(base[sample.report]?.report, sample.mutations);
  const text = serializeReport(report);
  if (sample.text === 'truncated') return text.slice(0, Math.floor(text.length / 2));
  if (sample.text === 'bom') return `\ufeff${text}`;
  if (sample.text === 'not an object') return JSON.stringify([report]);
  return text;
}

async function sendUpload(sample: UploadSample): Promise<void> {
  const text = reportText(sample);
  const bytes = new Uint8Array(Buffer.from(text));
  const gzip = sample.text === 'gzip';
  const before = await countProjectRows(t, project.id);
  const query = sample.query.map(([k, v]) => `${k}=${encodeURIComponent(wellFormed(v))}`);
  const answer = await send(`/api/v1/reports${query.length ? `?${query.join('&')}` : ''}`, {
    method: 'POST',
    headers: {
      ...(sample.auth === 'authorization' ? { authorization: `Bearer ${token}` } : {}),
      ...(sample.auth === 'x-api-key' ? { 'x-api-key': token } : {}),
      'content-type': 'application/json',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...sample.headers,
    },
    body: gzip ? gzipSync(bytes) : bytes,
  });
  if (answer.status === 201) {
    const { run } = answer.body as { run: { id: string } };
    await checkStoredPart(run.id, text, bytes);
  } else {
    // Refused, or a re-upload answered 200: either way nothing changed.
    expect(await countProjectRows(t, project.id), `answered ${answer.status}`).toEqual(before);
  }
}

it(`answers ${RUNS} hostile requests without a 5xx, and stores nothing it refuses (seed ${SEED})`, async () => {
  const ids: Record<string, string> = { id: project.id, slug: project.slug, testId, runId };
  const samples: fc.Arbitrary<UploadSample | ReadSample> = fc.oneof(
    { weight: 3, arbitrary: uploadSample },
    { weight: 1, arbitrary: readSample },
  );
  await fc.assert(
    fc.asyncProperty(samples, async (sample) => {
      if (sample.kind === 'upload') return sendUpload(sample);
      const query = sample.query ? `?${sample.query}` : '';
      const path = sample.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '');
      await send(`${path}${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    }),
    { numRuns: RUNS, seed: SEED },
  );
}, 600_000);
