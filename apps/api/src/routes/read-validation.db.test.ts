import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { noon, placeAt, type RawReport } from '../../test/flakiness-reference.ts';

/** Query validation and access control of the read endpoints (DESIGN.md §5). */

let t: TestApp;
interface Seeded {
  project: { id: string; slug: string };
  token: string;
  testId: string;
  runId: string;
}
let a: Seeded;
let b: Seeded;

async function seed(): Promise<Seeded> {
  const { project, token } = await createProject(t);
  const report = placeAt(loadReport('basic') as RawReport, noon(1));
  const upload = await uploadReport(t, token, report, { query: { branch: 'main', commit: 'c1' } });
  expect(upload.status).toBe(201);
  const { run } = (await upload.json()) as { run: { id: string } };
  const detail = await t.request(`/api/v1/runs/${run.id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { results } = (await detail.json()) as { results: { testId: string }[] };
  return { project, token, testId: results[0]?.testId as string, runId: run.id };
}

beforeAll(async () => {
  t = await startTestApp();
  a = await seed();
  b = await seed();
});
afterAll(async () => {
  await t?.close();
});

/** Every read endpoint of a project's data, by id and by slug. */
function readPaths(s: Seeded): string[] {
  return [
    `/api/v1/projects/${s.project.slug}/flaky-tests`,
    `/api/v1/projects/${s.project.id}/flaky-tests?status=all`,
    `/api/v1/projects/${s.project.slug}/stats`,
    `/api/v1/projects/${s.project.id}/stats?days=7&branch=main`,
    `/api/v1/projects/${s.project.slug}/trend`,
    `/api/v1/projects/${s.project.id}/trend?days=91&branch=main`,
    `/api/v1/projects/${s.project.slug}/errors`,
    `/api/v1/projects/${s.project.id}/quarantine`,
    `/api/v1/tests/${s.testId}`,
    `/api/v1/tests/${s.testId}/history`,
    `/api/v1/tests/${s.testId}/history?days=365&limit=500`,
    `/api/v1/tests/${s.testId}/errors`,
    `/api/v1/tests/${s.testId}/errors?days=7&branch=main`,
    `/api/v1/runs/${s.runId}`,
    `/api/v1/runs/${s.runId}/results`,
    `/api/v1/runs/${s.runId}/results?outcome=flaky&q=fail&limit=500`,
  ];
}

const get = (path: string, headers: Record<string, string> = {}) => t.request(path, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('query validation', () => {
  const cases = (): [string, string, string[]][] => {
    const flaky = `/api/v1/projects/${a.project.slug}/flaky-tests`;
    const stats = `/api/v1/projects/${a.project.slug}/stats`;
    const trend = `/api/v1/projects/${a.project.slug}/trend`;
    const errors = `/api/v1/projects/${a.project.slug}/errors`;
    const test = `/api/v1/tests/${a.testId}`;
    const history = `/api/v1/tests/${a.testId}/history`;
    const testErrors = `/api/v1/tests/${a.testId}/errors`;
    const results = `/api/v1/runs/${a.runId}/results`;
    return [
      [flaky, 'days=0', ['days']],
      [flaky, 'days=366', ['days']],
      [flaky, 'days=abc', ['days']],
      [flaky, 'days=1.5', ['days']],
      [flaky, 'limit=1000', ['limit']],
      [flaky, 'limit=0', ['limit']],
      [flaky, 'limit=-3', ['limit']],
      [flaky, 'limit=many', ['limit']],
      [flaky, 'sort=speed', ['sort']],
      [flaky, 'status=flaky', ['status']],
      [flaky, 'order=sideways', ['order']],
      [flaky, 'cursor=not-a-cursor', ['cursor']],
      [flaky, `cursor=${cursorOf({ after: 1 })}`, ['cursor']],
      [flaky, `cursor=${cursorOf([0.5, 'x'])}`, ['cursor']],
      [flaky, 'foo=1', ['foo']],
      [flaky, 'days=0&limit=0&sort=speed', ['days', 'limit', 'sort']],
      [stats, 'days=0', ['days']],
      [stats, 'days=366', ['days']],
      [stats, 'days=abc', ['days']],
      [stats, 'status=active', ['status']],
      [trend, 'days=0', ['days']],
      [trend, 'days=99999999999', ['days']],
      [trend, 'days=abc', ['days']],
      [trend, `branch=${'b'.repeat(8192)}`, ['branch']],
      [trend, 'limit=10', ['limit']],
      [errors, 'days=0', ['days']],
      [errors, 'days=366', ['days']],
      [errors, 'limit=1000', ['limit']],
      [errors, 'limit=0', ['limit']],
      [errors, 'cursor=not-a-cursor', ['cursor']],
      [errors, `cursor=${cursorOf(-1)}`, ['cursor']],
      [errors, 'branch=main', ['branch']],
      [test, 'days=0', ['days']],
      [test, 'days=366', ['days']],
      [test, 'limit=5', ['limit']],
      [history, 'days=abc', ['days']],
      [history, 'limit=1000', ['limit']],
      [history, 'limit=0', ['limit']],
      [history, 'cursor=not-a-cursor', ['cursor']],
      [history, `cursor=${cursorOf(['yesterday', '1'])}`, ['cursor']],
      [history, 'sort=title', ['sort']],
      [testErrors, 'days=0', ['days']],
      [testErrors, 'days=abc', ['days']],
      [testErrors, 'limit=10', ['limit']],
      [testErrors, 'cursor=x', ['cursor']],
      [results, 'outcome=passed', ['outcome']],
      [results, 'limit=501', ['limit']],
      [results, 'limit=0', ['limit']],
      [results, 'cursor=not-a-cursor', ['cursor']],
      [results, 'days=7', ['days']],
      [results, `q=${'q'.repeat(201)}`, ['q']],
    ];
  };

  it('answers 400 validation_failed with the path of every offending parameter', async () => {
    for (const [path, q, paths] of cases()) {
      const response = await get(`${path}?${q}`, bearer(a.token));
      const body = (await response.json()) as {
        error: { code: string; message: string; details: { path: string; message: string }[] };
      };
      expect(response.status, `${path}?${q}`).toBe(400);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.details.map((d) => d.path).sort(), `${path}?${q}`).toEqual(
        [...paths].sort(),
      );
      for (const d of body.error.details) expect(d.message).not.toBe('');
    }
  });

  // Fails: the quarantine route (routes/quarantine.ts) reads no query at all, so an unknown
  // parameter is silently ignored, unlike on every other read endpoint (zod strictObject).
  it('refuses unknown parameters on the quarantine endpoint too', async () => {
    const response = await get(
      `/api/v1/projects/${a.project.slug}/quarantine?foo=1`,
      bearer(a.token),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'validation_failed', details: [{ path: 'foo' }] },
    });
  });

  it('accepts the limits of every range', async () => {
    const flaky = `/api/v1/projects/${a.project.slug}/flaky-tests`;
    const ok = [
      `${flaky}?days=1`,
      `${flaky}?days=365`,
      `${flaky}?limit=1`,
      `${flaky}?limit=100`,
      `${flaky}?status=resolved&sort=title&order=desc&q=%25_`,
      `${flaky}?status=all&sort=runs&order=asc&branch=main&days=30&cursor=`,
      `${flaky}?sort=lastSeen&limit=1&cursor=${cursorOf(['lastSeen', 'desc', '2024-01-01T00:00:00.000Z', '1'])}`,
      `/api/v1/projects/${a.project.slug}/stats?days=365&branch=`,
      `/api/v1/projects/${a.project.slug}/trend?days=365&branch=`,
      `/api/v1/projects/${a.project.slug}/errors?days=1&limit=100&cursor=${cursorOf(0)}`,
      `/api/v1/tests/${a.testId}?days=1&branch=main`,
      `/api/v1/tests/${a.testId}/history?limit=1&days=365`,
      `/api/v1/tests/${a.testId}/history?limit=500`,
      `/api/v1/tests/${a.testId}/errors?days=365&branch=`,
      `/api/v1/runs/${a.runId}/results?limit=1`,
      `/api/v1/runs/${a.runId}/results?limit=500&outcome=skipped&q=%25_`,
    ];
    for (const path of ok) expect((await get(path, bearer(a.token))).status, path).toBe(200);
  });

  it('matches a NUL in a text filter as stored text holds it (U+FFFD), never a 5xx', async () => {
    const { project, token } = await createProject(t);
    const report = placeAt(loadReport('basic') as RawReport, noon(1));
    // The branch is stored with U+FFFD in place of the NUL and of the lone surrogate.
    const upload = await uploadReport(t, token, report, { query: { branch: 'feat/\0x\ud800' } });
    expect(upload.status).toBe(201);
    const runsOn = async (branch: string) => {
      const path = `/api/v1/projects/${project.slug}/runs?branch=${encodeURIComponent(branch)}`;
      const answer = await get(path, bearer(token));
      expect(answer.status, path).toBe(200);
      return ((await answer.json()) as { items: unknown[] }).items.length;
    };
    expect(await runsOn('feat/\uFFFDx\uFFFD')).toBe(1);
    expect(await runsOn('feat/\0x\uFFFD')).toBe(1);
    expect(await runsOn('feat/x')).toBe(0);
    for (const path of [
      `/api/v1/projects/${project.slug}/flaky-tests?status=all&branch=%00&q=%00`,
      `/api/v1/projects/${project.slug}/stats?branch=%00`,
      `/api/v1/projects/${project.slug}/trend?branch=%00`,
    ]) {
      expect((await get(path, bearer(token))).status, path).toBe(200);
    }
    for (const path of [
      `/api/v1/tests/${a.testId}?branch=%00`,
      `/api/v1/tests/${a.testId}/history?branch=%00`,
      `/api/v1/tests/${a.testId}/errors?branch=%00`,
      `/api/v1/runs/${a.runId}/results?q=%00`,
    ]) {
      expect((await get(path, bearer(a.token))).status, path).toBe(200);
    }
  });
});

describe('cursors', () => {
  const time = '2024-05-01T12:00:00.000Z';
  const bigId = '99999999999999999999';
  /** Cursors no endpoint issued: each must be a 400 naming `cursor`, never reach SQL. */
  const forged = (): [string, unknown[]][] => {
    const flaky = `/api/v1/projects/${a.project.slug}/flaky-tests`;
    const runs = `/api/v1/projects/${a.project.slug}/runs`;
    const history = `/api/v1/tests/${a.testId}/history`;
    const errors = `/api/v1/projects/${a.project.slug}/errors`;
    return [
      [
        flaky,
        [
          ['abc', '1'],
          [0.5, '1'],
          ['flakeRate', 'desc', 'abc', '1'],
        ],
      ],
      [
        flaky,
        [
          ['flakeRate', 'desc', null, '1'],
          ['flakeRate', 'desc', 2, '1'],
        ],
      ],
      [
        flaky,
        [
          ['flakeRate', 'desc', -0.5, '1'],
          ['flakeRate', 'desc', 1e308, '1'],
        ],
      ],
      [
        flaky,
        [
          ['flakeRate', 'desc', 0.5, bigId],
          ['flakeRate', 'desc', 0.5, '-1'],
        ],
      ],
      [
        flaky,
        [
          ['flakeRate', 'desc', 0.5, 1],
          ['flakeRate', 'desc', 0.5, '1.5'],
        ],
      ],
      [flaky, [['flakeRate', 'desc', 0.5], ['flakeRate', 'desc', 0.5, '1', '2'], []]],
      [
        flaky,
        [
          ['flakeRate', 'desc', 'NaN', '1'],
          ['flakeRate', 'desc', '0.5', '1'],
        ],
      ],
      // Issued for another sort or order.
      [
        flaky,
        [
          ['title', 'asc', '1'],
          ['flakeRate', 'asc', 0.5, '1'],
          ['runs', 'desc', 3, '1'],
        ],
      ],
      [
        `${flaky}?sort=runs`,
        [
          ['runs', 'desc', 1.5, '1'],
          ['runs', 'desc', 2 ** 31, '1'],
        ],
      ],
      [
        `${flaky}?sort=runs`,
        [
          ['runs', 'desc', -1, '1'],
          ['runs', 'desc', '5', '1'],
        ],
      ],
      [
        `${flaky}?sort=runs`,
        [
          ['runs', 'desc', 1e20, '1'],
          ['title', 'asc', '1'],
        ],
      ],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', '99999-01-01T00:00:00.000Z', '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', '0000-00-00', '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', '0000-01-01T00:00:00.000Z', '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', '2024-02-30T00:00:00.000Z', '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', 1714564800000, '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', 'yesterday', '1']]],
      [`${flaky}?sort=lastSeen`, [['lastSeen', 'desc', null, '1']]],
      [
        `${flaky}?sort=title`,
        [
          ['title', 'asc', 'a title', '1'],
          ['title', 'asc', bigId],
        ],
      ],
      [
        `${flaky}?sort=title`,
        [
          ['title', 'asc', '\u0000'],
          ['title', 'desc', '1'],
        ],
      ],
      [runs, [['yesterday', '1'], [time, bigId], [time, 1], [time], [time, '1', '1'], null]],
      [
        runs,
        [
          ['99999-01-01T00:00:00.000Z', '1'],
          ['0000-00-00T00:00:00.000Z', '1'],
        ],
      ],
      [runs, [['2024-13-01T00:00:00.000Z', '1'], ['2024-05-01T12:00:00Z', '1'], { after: 1 }]],
      [
        history,
        [
          [time, '1'],
          [time, '1', '1'],
          [time, '1', '1', -1],
          [time, '1', '1', 40000],
        ],
      ],
      [
        history,
        [
          [time, '1', '1', 1.5],
          [time, '1', bigId, 0],
          [time, bigId, '1', 0],
        ],
      ],
      [
        history,
        [
          ['0000-00-00', '1', '1', 0],
          [time, '1', '1', '0'],
          [time, '1', '1', 0, 0],
        ],
      ],
      [errors, [-1, 1.5, 'x', [0], 1e20, null, { offset: 0 }]],
      [
        `/api/v1/runs/${a.runId}/results`,
        [
          ['flaky', '1', 0],
          ['passed', '1', 0, '1'],
          ['flaky', bigId, 0, '1'],
          ['flaky', '1', -1, '1'],
          ['flaky', '1', 40000, '1'],
          ['flaky', '1', 0, 1],
          ['flaky', '1', 0, '1', 0],
          [1, '1', 0, '1'],
        ],
      ],
    ];
  };

  it('answers 400 validation_failed naming cursor to a forged one, on every paginated endpoint', async () => {
    for (const [path, positions] of forged()) {
      for (const position of positions) {
        const url = `${path}${path.includes('?') ? '&' : '?'}cursor=${cursorOf(position)}`;
        const response = await get(url, bearer(a.token));
        const what = `${path} ${JSON.stringify(position)}`;
        expect(response.status, what).toBe(400);
        expect(await response.json(), what).toMatchObject({
          error: { code: 'validation_failed', details: [{ path: 'cursor' }] },
        });
      }
    }
  });

  it('answers 400 to a cursor that is not base64url JSON', async () => {
    const paths = [
      `/api/v1/projects/${a.project.slug}/flaky-tests`,
      `/api/v1/projects/${a.project.slug}/runs`,
      `/api/v1/tests/${a.testId}/history`,
      `/api/v1/projects/${a.project.slug}/errors`,
      `/api/v1/runs/${a.runId}/results`,
    ];
    for (const path of paths) {
      for (const cursor of ['!!!', '%25%25', 'e30', 'bnVsbA', '____', '%F0%9F%92%A5', '%00']) {
        const response = await get(`${path}?cursor=${cursor}`, bearer(a.token));
        expect(response.status, `${path} ${cursor}`).toBe(400);
        expect(await response.json()).toMatchObject({
          error: { code: 'validation_failed', details: [{ path: 'cursor' }] },
        });
      }
    }
  });

  it('accepts any well-formed position, even one past every row', async () => {
    const flaky = `/api/v1/projects/${a.project.slug}/flaky-tests`;
    const ok: [string, unknown][] = [
      [flaky, ['flakeRate', 'desc', 0, '1']],
      [`${flaky}?order=asc`, ['flakeRate', 'asc', 1, '999999999999999999']],
      [`${flaky}?sort=runs&status=all&days=7`, ['runs', 'desc', 2 ** 31 - 1, '1']],
      [`${flaky}?sort=lastSeen&order=asc`, ['lastSeen', 'asc', '9999-12-31T23:59:59.999Z', '1']],
      [`${flaky}?sort=lastSeen`, ['lastSeen', 'desc', '0001-01-01T00:00:00.000Z', '1']],
      [`${flaky}?sort=title`, ['title', 'asc', '999999999999999999']],
      [`${flaky}?sort=title&order=desc&branch=main`, ['title', 'desc', a.testId]],
      [`/api/v1/projects/${a.project.slug}/runs`, ['1970-01-01T00:00:00.000Z', '1']],
      [`/api/v1/tests/${a.testId}/history`, [time, '999999999999999999', '1', 32767]],
      [`/api/v1/projects/${a.project.slug}/errors`, 1_000_000],
      [`/api/v1/runs/${a.runId}/results`, ['expected', '999999999999999999', 32767, '1']],
      [`/api/v1/runs/${a.runId}/results?outcome=flaky`, ['unexpected', a.testId, 0, '1']],
    ];
    for (const [path, position] of ok) {
      const url = `${path}${path.includes('?') ? '&' : '?'}cursor=${cursorOf(position)}`;
      const response = await get(url, bearer(a.token));
      expect(response.status, `${path} ${JSON.stringify(position)}`).toBe(200);
      expect(await response.json()).toMatchObject({ items: expect.any(Array) });
    }
  });
});

describe('who may read', () => {
  it('answers 401 without credentials or with bad ones, on every read endpoint', async () => {
    const bad: Record<string, string>[] = [
      {},
      { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
      { authorization: 'Bearer' },
      bearer('flk_0000000000000000000000000000000000'),
      bearer(`${a.token}x`),
      { 'x-api-key': 'flk_nope' },
    ];
    for (const path of readPaths(a)) {
      for (const headers of bad) {
        const response = await get(path, headers);
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
  });

  it("answers 404 to another project's token, as if the data did not exist", async () => {
    for (const path of readPaths(b)) {
      const response = await get(path, bearer(a.token));
      expect(response.status, path).toBe(404);
      const body = JSON.stringify(await response.json());
      expect(body).toContain('"code":"not_found"');
      // Nothing of the other project leaks into the answer.
      expect(body).not.toContain('spec.ts');
    }
    // The same answer as for things that do not exist at all.
    for (const path of [
      '/api/v1/projects/no-such-project/stats',
      '/api/v1/projects/no-such-project/trend',
      '/api/v1/tests/999999999/history',
      '/api/v1/tests/abc',
    ]) {
      const response = await get(path, bearer(a.token));
      expect(response.status, path).toBe(404);
    }
  });

  it('lets a project token read its own project, also as x-api-key', async () => {
    for (const path of readPaths(a)) {
      expect((await get(path, bearer(a.token))).status, path).toBe(200);
      expect((await get(path, { 'x-api-key': a.token })).status, path).toBe(200);
      expect((await get(path, { authorization: `bearer   ${a.token}` })).status, path).toBe(200);
    }
  });

  it('lets the admin token read every project', async () => {
    for (const s of [a, b]) {
      for (const path of readPaths(s)) {
        const response = await get(path, adminHeaders(t));
        expect(response.status, path).toBe(200);
      }
      const stats = await get(`/api/v1/projects/${s.project.id}/stats`, adminHeaders(t));
      expect(await stats.json()).toMatchObject({ projectId: s.project.id, totalTests: 28 });
      const detail = await get(`/api/v1/tests/${s.testId}`, adminHeaders(t));
      expect(await detail.json()).toMatchObject({
        test: { id: s.testId, projectId: s.project.id },
      });
    }
    expect(
      (await get('/api/v1/projects/no-such-project/flaky-tests', adminHeaders(t))).status,
    ).toBe(404);
    expect((await get('/api/v1/tests/999999999', adminHeaders(t))).status).toBe(404);
  });
});
