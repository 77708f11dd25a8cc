import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type ErrorBody } from '../../test/api-shapes.ts';
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
