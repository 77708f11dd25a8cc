import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  reportBytes,
  type ErrorBody,
  type RunDetail,
  type UploadAnswer,
} from '../../test/api-shapes.ts';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { type ReportName } from '../../test/fixtures/reports.ts';

/** Every bad upload gets its 4xx with `{"error": {code, message}}`, and changes nothing. */

let t: TestApp;
/** REPORT_MAX_BYTES = 20000, for the size limits. */
let small: TestApp;
beforeAll(async () => {
  // One after the other: two starts at once race on creating the same partitions (see partitions.db.test.ts).
  t = await startTestApp();
  small = await startTestApp({ env: { REPORT_MAX_BYTES: '20000' } });
});
afterAll(async () => {
  await Promise.all([t?.close(), small?.close()]);
});

const bytes = reportBytes;
/** A valid report the project has not stored yet: refused only for what the test gets wrong. */
const fresh = bytes('all-pass');

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  const body = (await response.json()) as ErrorBody;
  expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

const counts = countProjectRows;

/** A project holding one stored run, and a check that a bad request left it exactly so. */
async function seeded(app: TestApp, baseline: ReportName) {
  const { project, token } = await createProject(app);
  expect((await uploadReport(app, token, bytes(baseline))).status).toBe(201);
  const before = await counts(app, project.id);
  return {
    project,
    token,
    unchanged: async () => expect(await counts(app, project.id)).toEqual(before),
  };
}

function post(app: TestApp, init: RequestInit & { headers: Record<string, string> }, query = '') {
  return app.request(`/api/v1/reports${query}`, { method: 'POST', ...init });
}

function multipart(
  app: TestApp,
  token: string,
  parts: [string, string | Blob][],
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, `${name}.json`);
  }
  return post(app, { headers: { authorization: `Bearer ${token}` }, body: form });
}

const blob = (data: Uint8Array) => new Blob([new Uint8Array(data)], { type: 'application/json' });

describe('credentials', () => {
  it('refuses a missing or wrong token with 401 and the admin token with 403', async () => {
    const { project, token, unchanged } = await seeded(t, 'basic');
    const json = { 'content-type': 'application/json' };
    await expectError(await post(t, { headers: json, body: fresh }), 401, 'unauthorized');
    const wrong = `flk_${randomBytes(32).toString('base64url').replace(/[-_]/g, 'x')}`;
    await expectError(
      await post(t, { headers: { ...json, authorization: `Bearer ${wrong}` }, body: fresh }),
      401,
      'unauthorized',
    );
    await expectError(
      await post(t, { headers: { ...json, 'x-api-key': 'not-a-token' }, body: fresh }),
      401,
      'unauthorized',
    );
    await expectError(
      await post(t, { headers: { ...json, authorization: `Bearer ${t.adminToken}` }, body: fresh }),
      403,
      'forbidden',
    );
    // A token of the right shape with a broken header still gets nothing in.
    await expectError(
      await post(t, { headers: { ...json, authorization: `Token ${token}` }, body: fresh }),
      401,
      'unauthorized',
    );
    await unchanged();
    expect(project.id).toMatch(/^\d+$/);
  });
});

describe('bodies that are not reports', () => {
  it('answers broken JSON with 400 invalid_json', async () => {
    const { token, unchanged } = await seeded(t, 'basic');
    const text = fresh.toString('utf8');
    for (const body of ['{"config": {', text.slice(0, text.length - 10), '', 'not json at all']) {
      await expectError(await uploadReport(t, token, body), 400, 'invalid_json');
    }
    await expectError(await uploadReport(t, token, gzipSync('{"config": ')), 400, 'invalid_json');
    await unchanged();
  });

  it.each([
    ['an array', [], ['(root)']],
    ['an empty object', {}, ['config', 'suites']],
    ['a Jest report', { numTotalTests: 3, testResults: [] }, ['config', 'suites']],
    ['null', null, ['(root)']],
    ['suites that are not an array', { config: {}, suites: {} }, ['suites']],
    [
      'a spec without tests',
      { config: {}, suites: [{ title: 'a.spec.ts', specs: [{ title: 'x' }] }] },
      ['suites[0].specs[0].tests'],
    ],
  ])('answers %s with 400 invalid_report and the offending paths', async (_name, body, paths) => {
    const { token, unchanged } = await seeded(t, 'basic');
    const error = await expectError(
      await uploadReport(t, token, JSON.stringify(body)),
      400,
      'invalid_report',
    );
    expect(error.error.details?.map((d) => d.path)).toEqual(expect.arrayContaining(paths));
    await unchanged();
  });
});

describe('size limits', () => {
  it('accepts a report under REPORT_MAX_BYTES and refuses a larger one with 413', async () => {
    const { token, unchanged } = await seeded(small, 'aborted'); // 5 KB: under the limit
    const large = bytes('shard-1-of-2'); // 57 KB
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Declared length: refused before the body is read.
    const declared = await post(small, {
      headers: { ...auth, 'content-length': String(large.length) },
      body: large,
    });
    expect((await expectError(declared, 413, 'payload_too_large')).error.details).toEqual({
      limit: 20000,
    });
    // No Content-Length (chunked): counted while it streams in.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < large.length; i += 4096)
          controller.enqueue(new Uint8Array(large.subarray(i, i + 4096)));
        controller.close();
      },
    });
    const chunked = await post(small, {
      headers: auth,
      body: stream,
      duplex: 'half',
    } as RequestInit & {
      headers: Record<string, string>;
    });
    await expectError(chunked, 413, 'payload_too_large');
    // Multipart: the file itself is over the limit, though the form fits its overhead.
    await expectError(
      await multipart(small, token, [['report', blob(large)]]),
      413,
      'payload_too_large',
    );
    await unchanged();
  });

  it('refuses a gzip bomb with 413 in every form', async () => {
    const bomb = (size: number) =>
      gzipSync(`{"config":{},"suites":[${' '.repeat(size)}]}`, { level: 9 });
    const smallBomb = bomb(5_000_000);
    expect(smallBomb.length).toBeLessThan(10_000);
    const { token, unchanged } = await seeded(small, 'aborted');
    await expectError(
      await uploadReport(small, token, smallBomb, { headers: { 'content-encoding': 'gzip' } }),
      413,
      'payload_too_large',
    );
    await expectError(await uploadReport(small, token, smallBomb), 413, 'payload_too_large');
    await expectError(
      await multipart(small, token, [['report', blob(smallBomb)]]),
      413,
      'payload_too_large',
    );
    await unchanged();

    // Against the default limit (10 MB) too: 30 KB that inflate to 30 MB.
    const seededDefault = await seeded(t, 'basic');
    const bigBomb = bomb(30_000_000);
    expect(bigBomb.length).toBeLessThan(100_000);
    await expectError(
      await uploadReport(t, seededDefault.token, bigBomb),
      413,
      'payload_too_large',
    );
    await seededDefault.unchanged();
  });
});

describe('content types and encodings', () => {
  it('answers other content types and encodings with 415', async () => {
    const { token, unchanged } = await seeded(t, 'basic');
    for (const type of [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/jsonp',
    ]) {
      await expectError(
        await uploadReport(t, token, fresh, { headers: { 'content-type': type } }),
        415,
        'unsupported_media_type',
      );
    }
    for (const encoding of ['br', 'deflate', 'zstd']) {
      const response = await uploadReport(t, token, fresh, {
        headers: { 'content-encoding': encoding },
      });
      await expectError(response, 415, 'unsupported_media_type');
    }
    await unchanged();
  });

  it('answers a body that claims gzip but is not with 400', async () => {
    const { token, unchanged } = await seeded(t, 'basic');
    await expectError(
      await uploadReport(t, token, fresh, { headers: { 'content-encoding': 'gzip' } }),
      400,
      'bad_request',
    );
    await unchanged();
  });
});

describe('metadata', () => {
  it.each([
    ['a misspelt field', { brnach: 'main' }, 'brnach'],
    ['shard 3/2', { shard: '3/2' }, 'shard'],
    ['shard 0/2', { shard: '0/2' }, 'shard'],
    ['shard "first"', { shard: 'first' }, 'shard'],
    ['an unknown ciProvider', { ciProvider: 'travis' }, 'ciProvider'],
    ['a non-numeric pr', { pr: '!42' }, 'pr'],
    ['a non-http runUrl', { runUrl: 'javascript:alert(1)' }, 'runUrl'],
    ['a 300-character branch', { branch: 'b'.repeat(300) }, 'branch'],
  ])(
    'refuses %s with 400 and the field path, in the query and in a form',
    async (_name, meta, path) => {
      const { token, unchanged } = await seeded(t, 'basic');
      const viaQuery = await expectError(
        await uploadReport(t, token, fresh, { query: meta }),
        400,
        'validation_failed',
      );
      expect(viaQuery.error.details?.map((d) => d.path)).toContain(path);
      const viaForm = await expectError(
        await multipart(t, token, [...Object.entries(meta), ['report', blob(fresh)]]),
        400,
        'validation_failed',
      );
      expect(viaForm.error.details?.map((d) => d.path)).toContain(path);
      await unchanged();
    },
  );

  it('refuses an Idempotency-Key over 255 characters', async () => {
    const { token, unchanged } = await seeded(t, 'basic');
    const response = await uploadReport(t, token, fresh, {
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    const body = await expectError(response, 400, 'validation_failed');
    expect(body.error.details?.map((d) => d.path)).toEqual(['Idempotency-Key']);
    await unchanged();
  });
});

describe('multipart', () => {
  it('needs the report file field, and only that file', async () => {
    const { token, unchanged } = await seeded(t, 'basic');
    const missing = await multipart(t, token, [
      ['branch', 'main'],
      ['file', 'x'],
    ]);
    expect((await expectError(missing, 400, 'validation_failed')).error.details).toEqual([
      { path: 'report', message: expect.any(String) },
    ]);
    const extra = await multipart(t, token, [
      ['report', blob(fresh)],
      ['attachment', blob(fresh)],
    ]);
    expect(
      (await expectError(extra, 400, 'validation_failed')).error.details?.map((d) => d.path),
    ).toEqual(['attachment']);
    const broken = await post(t, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'multipart/form-data; boundary=xyz',
      },
      body: '--xyz\r\nContent-Disposition: form-data; name="report"\r\n\r\n{"config"',
    });
    await expectError(broken, 400, 'bad_request');
    // A report field that holds broken JSON is still invalid_json.
    await expectError(
      await multipart(t, token, [['report', blob(Buffer.from('{"config": '))]]),
      400,
      'invalid_json',
    );
    await unchanged();
  });
});

/** A report of one file with these specs, started an hour ago, with stats unless told not to. */
function reportOf(specs: unknown[], extra: Record<string, unknown> = {}) {
  const startTime = new Date(Date.now() - 3_600_000).toISOString();
  return {
    config: { rootDir: '/repo', version: '1.50.0' },
    suites: [{ title: 'a.spec.ts', file: 'a.spec.ts', specs }],
    stats: {
      startTime,
      duration: 1000,
      expected: 0,
      unexpected: specs.length,
      flaky: 0,
      skipped: 0,
    },
    errors: [],
    ...extra,
  };
}

function failingSpec(title: string, message: string, stack: string, extra = {}) {
  return {
    title,
    line: 3,
    column: 1,
    tests: [
      {
        projectName: 'chromium',
        status: 'unexpected',
        results: [
          {
            status: 'failed',
            retry: 0,
            duration: 12,
            startTime: new Date(Date.now() - 3_600_000).toISOString(),
            error: { message, stack },
          },
        ],
      },
    ],
    ...extra,
  };
}

describe('hostile text', () => {
  it('stores 8 KB lines of spaces, tabs, pipes and ANSI codes while /health keeps answering', async () => {
    const { project, token } = await createProject(t);
    const lines = [
      ' '.repeat(8192),
      '\t'.repeat(8192),
      '|'.repeat(8192),
      ' |'.repeat(4096),
      '\u001b[31m'.repeat(1638),
      `${'\u001b[2m \t'.repeat(1365)}|`,
      '{\n'.repeat(4096),
      '@'.repeat(8192),
      'a.'.repeat(4096),
      `${' '.repeat(8000)}> 12 |`,
    ];
    const specs = lines.flatMap((line, i) => [
      failingSpec(
        `${line}${i}`,
        `${line}${i}\n${line}\nError: x\n${line}`,
        `${line}\n    at ${line}`,
      ),
      failingSpec(`t${i}`, `Error: ${line}${i}\n\n${line}Locator: ${line}`, line),
    ]);
    const report = reportOf(specs, {
      errors: lines.map((line) => ({ message: `${line}\n${line}` })),
    });
    const job = `e2e${' '.repeat(240)}1/2`;

    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    if (!server.listening) await new Promise<void>((done) => server.once('listening', done));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let uploaded = false;
      const upload = fetch(
        `${base}/api/v1/reports?${new URLSearchParams({ job, pipeline: 'p' })}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(report),
        },
      ).finally(() => (uploaded = true));
      const polls: number[] = [];
      while (!uploaded) {
        polls.push((await fetch(`${base}/health`)).status);
        await new Promise((done) => setTimeout(done, 20));
      }
      const response = await upload;
      expect(response.status).toBe(201);
      const answer = (await response.json()) as UploadAnswer;
      expect(answer.run).toMatchObject({ job: 'e2e', status: 'failed' });
      expect(answer.run.totals.unexpected).toBe(specs.length);
      expect(polls.length).toBeGreaterThan(0);
      expect(polls.every((status) => status === 200)).toBe(true);
    } finally {
      await new Promise((done) => server.close(done));
    }
    expect(await counts(t, project.id)).toMatchObject({ results: specs.length });
  });

  it('stores NUL and lone surrogates as U+FFFD, in the report and in the metadata', async () => {
    const { token } = await createProject(t);
    const BAD = 'a\u0000b\uD800c';
    const SAFE = 'a\uFFFDb\uFFFDc';
    const spec = failingSpec(`title ${BAD}`, `Error: ${BAD}`, `stack ${BAD}`, {
      file: `dir/${BAD}.spec.ts`,
      tags: [`@tag${BAD}`],
    });
    (spec.tests[0] as Record<string, unknown>).projectName = `project ${BAD}`;
    (spec.tests[0] as Record<string, unknown>).annotations = [
      { type: `type ${BAD}`, description: `description ${BAD}` },
    ];
    const report = reportOf([], {
      config: { rootDir: '/repo', version: `1.50.0 ${BAD}` },
      suites: [{ title: 'x.spec.ts', suites: [{ title: `describe ${BAD}`, specs: [spec] }] }],
      errors: [{ message: `global ${BAD}` }],
    });
    const meta = {
      branch: `main ${BAD}`,
      commit: `c0ffee\u0000`,
      pipeline: `pipe ${BAD}`,
      job: `job ${BAD}`,
      repository: `org/${BAD}`,
      runName: `nightly ${BAD}`,
      environment: `env ${BAD}`,
      runUrl: 'https://ci.example/run?x=\u0000',
    };
    const response = await uploadReport(t, token, JSON.stringify(report), { query: meta });
    expect(response.status).toBe(201);
    const { run } = (await response.json()) as UploadAnswer;
    // A query string carries a lone surrogate as UTF-8 it cannot be: it arrives as U+FFFD anyway.
    expect(run).toMatchObject({
      branch: `main ${SAFE}`,
      commit: 'c0ffee\uFFFD',
      pipeline: `pipe ${SAFE}`,
      job: `job ${SAFE}`,
      repository: `org/${SAFE}`,
      runName: `nightly ${SAFE}`,
      environment: `env ${SAFE}`,
      runUrl: 'https://ci.example/run?x=\uFFFD',
      playwrightVersion: `1.50.0 ${SAFE}`,
    });
    const detail = await t.request(`/api/v1/runs/${run.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as RunDetail & {
      parts: { errors: string[] }[];
      results: Record<string, unknown>[];
    };
    expect(body.parts[0]?.errors).toEqual([`global ${SAFE}`]);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({
      title: `title ${SAFE}`,
      titlePath: [`describe ${SAFE}`, `title ${SAFE}`],
      file: `dir/${SAFE}.spec.ts`,
      projectName: `project ${SAFE}`,
      error: { message: `Error: ${SAFE}`, signature: SAFE },
      attemptDetails: [
        { error: { message: `Error: ${SAFE}`, stack: `stack ${SAFE}`, signature: SAFE } },
      ],
      annotations: [{ type: `type ${SAFE}`, description: `description ${SAFE}` }],
    });
    const testId = body.results[0]?.testId as string;
    const test = await t.request(`/api/v1/tests/${testId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(test.status).toBe(200);
    expect(JSON.stringify(await test.json())).toContain(`tag${SAFE}`);
  });
});

describe('numbers no column holds', () => {
  const passed = (extra: Record<string, unknown> = {}) => ({
    status: 'passed',
    duration: 10,
    startTime: new Date(Date.now() - 3_600_000).toISOString(),
    ...extra,
  });
  const specWith = (results: unknown[], extra: Record<string, unknown> = {}) => ({
    title: 't',
    line: 3,
    column: 1,
    tests: [{ projectName: 'a', results }],
    ...extra,
  });
  const attempt0 = 'suites[0].specs[0].tests[0].results[0]';
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  it.each<[string, unknown, string]>([
    [
      'an attempt of 3e9 ms',
      reportOf([specWith([passed({ duration: 3e9 })])]),
      `${attempt0}.duration`,
    ],
    [
      'a negative duration',
      reportOf([specWith([passed({ duration: -5 })])]),
      `${attempt0}.duration`,
    ],
    ['a fractional retry', reportOf([specWith([passed({ retry: 0.5 })])]), `${attempt0}.retry`],
    [
      'a fractional line',
      reportOf([specWith([passed()], { line: 2.5 })]),
      'suites[0].specs[0].line',
    ],
    [
      'a column over int4',
      reportOf([specWith([passed()], { column: 3e9 })]),
      'suites[0].specs[0].column',
    ],
    [
      'a run of 3e9 ms',
      { ...reportOf([specWith([passed()])]), stats: { duration: 3e9 } },
      'stats.duration',
    ],
    [
      'counts adding up over int4',
      {
        ...reportOf([specWith([passed()])]),
        stats: { expected: 2e9, unexpected: 2e9, flaky: 0, skipped: 0 },
      },
      'stats',
    ],
    [
      'attempts adding up over int4',
      reportOf([specWith([passed({ duration: 2e9 }), passed({ duration: 2e9 })])]),
      'suites[0].specs[0].tests[0].results',
    ],
    [
      '32768 attempts',
      reportOf([specWith(Array.from({ length: 32_768 }, () => ({ status: 'failed' })))]),
      'suites[0].specs[0].tests[0].results',
    ],
    [
      '32769 repeats of one test',
      reportOf([
        {
          title: 't',
          tests: Array.from({ length: 32_769 }, () => ({ projectName: 'a', results: [] })),
        },
      ]),
      'suites[0].specs[0].tests[32768]',
    ],
    [
      'attempts spanning 30 days in a report without stats',
      {
        ...reportOf([
          specWith([passed({ startTime: daysAgo(31) })]),
          specWith([passed({ startTime: daysAgo(1) })], { title: 'u' }),
        ]),
        stats: undefined,
      },
      'suites',
    ],
  ])('refuses %s with 400 invalid_report naming the field', async (_name, report, path) => {
    const { token, unchanged } = await seeded(t, 'basic');
    const error = await expectError(
      await uploadReport(t, token, JSON.stringify(report)),
      400,
      'invalid_report',
    );
    expect(error.error.details?.map((d) => d.path)).toEqual([path]);
    await unchanged();
  });

  it("saturates a run's sums over parts at what the column holds", async () => {
    const { token } = await createProject(t);
    const shard = (current: number, daysBack: number) => ({
      ...reportOf([specWith([passed({ startTime: daysAgo(daysBack) })], { title: `t${current}` })]),
      config: { rootDir: '/repo', shard: { current, total: 2 } },
      stats: {
        startTime: daysAgo(daysBack),
        duration: 1000,
        expected: 2_000_000_000,
        unexpected: 0,
        flaky: 0,
        skipped: 0,
      },
    });
    const query = { pipeline: `pipe-${randomBytes(4).toString('hex')}`, job: 'e2e' };
    expect((await uploadReport(t, token, JSON.stringify(shard(1, 30)), { query })).status).toBe(
      201,
    );
    const second = await uploadReport(t, token, JSON.stringify(shard(2, 1)), { query });
    expect(second.status).toBe(201);
    const { run } = (await second.json()) as UploadAnswer;
    expect(run).toMatchObject({ parts: 2, durationMs: 2_147_483_647 });
    expect(run.totals).toMatchObject({ total: 2_147_483_647, expected: 2_147_483_647 });
  });
});
