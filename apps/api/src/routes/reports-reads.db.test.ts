import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type ErrorBody } from '../../test/api-shapes.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport, type ReportName } from '../../test/fixtures/reports.ts';
import { noon, placeAt, type RawReport } from '../../test/flakiness-reports.ts';

/** Reading uploaded runs back: the runs list (order, filters, cursors) and who may read what. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(); // undefined when the start failed
});

interface RunItem {
  id: string;
  projectId: string;
  status: string;
  source: string;
  branch: string | null;
  startedAt: string;
}
interface RunList {
  items: RunItem[];
  nextCursor: string | null;
}

const bytes = reportBytes;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function upload(
  token: string,
  name: ReportName,
  query: Record<string, string>,
): Promise<string> {
  const response = await uploadReport(t, token, bytes(name), { query });
  expect(response.status).toBe(201);
  return ((await response.json()) as { run: { id: string } }).run.id;
}

async function list(project: string, token: string, query = ''): Promise<RunList> {
  const response = await t.request(`/api/v1/projects/${project}/runs${query}`, {
    headers: bearer(token),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RunList;
}

/**
 * Three runs whose reports started at different times: basic (00:27:15, failed, main),
 * shard-1-of-2 (00:27:22, failed, main), all-pass (00:27:41, passed, feature/x).
 */
async function seedRuns() {
  const { project, token } = await createProject(t);
  const basic = await upload(token, 'basic', { branch: 'main', pipeline: 'p1' });
  // Uploaded out of order: the list follows the runs' start times, not upload order.
  const allPass = await upload(token, 'all-pass', { branch: 'feature/x', pipeline: 'p3' });
  const shard = await upload(token, 'shard-1-of-2', { branch: 'main', pipeline: 'p2' });
  return { project, token, ids: { basic, shard, allPass } };
}

describe('GET /api/v1/projects/:project/runs', () => {
  it('lists the project’s runs newest first', async () => {
    const { project, token, ids } = await seedRuns();
    const page = await list(project.slug, token);
    expect(page.items.map((r) => r.id)).toEqual([ids.allPass, ids.shard, ids.basic]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({
      projectId: project.id,
      status: 'passed',
      source: 'upload',
      branch: 'feature/x',
    });
    const starts = page.items.map((r) => Date.parse(r.startedAt));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    // By id as well as by slug.
    expect((await list(project.id, token)).items).toHaveLength(3);
  });

  it('pages with limit and nextCursor, without repeats or gaps', async () => {
    const { project, token, ids } = await seedRuns();
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) {
      const query: string = `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await list(project.id, token, query);
      expect(page.items).toHaveLength(1);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      if (i < 2) expect(cursor).toEqual(expect.any(String));
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual([ids.allPass, ids.shard, ids.basic]);

    const two = await list(project.id, token, '?limit=2');
    expect(two.items.map((r) => r.id)).toEqual([ids.allPass, ids.shard]);
    const rest = await list(
      project.id,
      token,
      `?limit=2&cursor=${encodeURIComponent(two.nextCursor ?? '')}`,
    );
    expect(rest).toEqual({ items: [expect.objectContaining({ id: ids.basic })], nextCursor: null });
  });

  it('filters by branch, status and source', async () => {
    const { project, token, ids } = await seedRuns();
    const idsOf = async (query: string) =>
      (await list(project.id, token, query)).items.map((r) => r.id);
    expect(await idsOf('?branch=main')).toEqual([ids.shard, ids.basic]);
    expect(await idsOf('?branch=feature%2Fx')).toEqual([ids.allPass]);
    expect(await idsOf('?branch=nope')).toEqual([]);
    expect(await idsOf('?status=passed')).toEqual([ids.allPass]);
    expect(await idsOf('?status=failed&branch=main')).toEqual([ids.shard, ids.basic]);
    expect(await idsOf('?source=upload')).toEqual([ids.allPass, ids.shard, ids.basic]);
    expect(await idsOf('?source=live')).toEqual([]);
    expect(await idsOf('?status=failed&limit=1')).toEqual([ids.shard]);
  });

  it.each([
    ['a cursor it did not issue', '?cursor=not-a-cursor', 'cursor'],
    [
      'a forged cursor',
      `?cursor=${Buffer.from('["yesterday","1"]').toString('base64url')}`,
      'cursor',
    ],
    ['limit=1000', '?limit=1000', 'limit'],
    ['limit=0', '?limit=0', 'limit'],
    ['an unknown status', '?status=green', 'status'],
    ['an unknown parameter', '?brnach=main', 'brnach'],
  ])('answers %s with 400 and the parameter', async (_name, query, path) => {
    const { project, token } = await createProject(t);
    const response = await t.request(`/api/v1/projects/${project.id}/runs${query}`, {
      headers: bearer(token),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.map((d) => d.path)).toContain(path);
  });
});

/** Every item of a list, read `limit` at a time by following nextCursor. */
async function readAllPages<Item>(path: string, token: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await t.request(`${path}?${query}`, { headers: bearer(token) });
    expect(response.status, `${path}?${query}`).toBe(200);
    const page = (await response.json()) as { items: Item[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length <= 1000);
  return items;
}

describe('paging where the sort key repeats', () => {
  /** The same report as different bytes, so it is not taken for a re-upload. */
  const variant = (report: RawReport, n: number) => JSON.stringify(report) + ' '.repeat(n);

  it('pages the runs list without losing a run when many runs share one start time', async () => {
    const { project, token } = await createProject(t);
    const start = noon(2);
    const report = placeAt(loadReport('all-pass') as RawReport, start);
    for (let i = 0; i < 7; i++) {
      const response = await uploadReport(t, token, variant(report, i), {
        query: { pipeline: `p${i}` },
      });
      expect(response.status).toBe(201);
    }
    const earlier = placeAt(report, noon(3));
    expect((await uploadReport(t, token, earlier, { query: { pipeline: 'old' } })).status).toBe(
      201,
    );

    const path = `/api/v1/projects/${project.id}/runs`;
    const all = await readAllPages<RunItem>(path, token, 100);
    expect(all).toHaveLength(8);
    expect(all.slice(0, 7).every((r) => r.startedAt === start.toISOString())).toBe(true);
    for (const limit of [1, 2, 3]) {
      expect(await readAllPages<RunItem>(path, token, limit), `limit=${limit}`).toEqual(all);
    }
  });

  it('pages a test’s history without losing a result of --repeat-each or of parts that started together', async () => {
    const { project, token } = await createProject(t);
    const report = placeAt(loadReport('repeat-each') as RawReport, noon(1));
    // Two parts of one run and a second run, all starting at the same time.
    const uploads: Record<string, string>[] = [
      { pipeline: 'p1', shard: '1/2' },
      { pipeline: 'p1', shard: '2/2' },
      { pipeline: 'p2' },
    ];
    for (const [i, query] of uploads.entries()) {
      expect((await uploadReport(t, token, variant(report, i), { query })).status).toBe(201);
    }
    // The test run most often in one run: the project that repeats each test.
    const [repeated] = await t.database.sql<{ testId: string; results: number }[]>`
      select test_id::text as "testId", count(*)::int as results from test_results
      where project_id = ${project.id} group by test_id order by results desc, test_id limit 1`;
    expect(repeated?.results).toBe(6);

    const path = `/api/v1/tests/${repeated?.testId}/history`;
    const all = await readAllPages<{ runId: string; repeatIndex: number }>(path, token, 500);
    expect(all).toHaveLength(6);
    expect(all.map((r) => r.repeatIndex)).toEqual([1, 0, 1, 0, 1, 0]);
    for (const limit of [1, 2, 3]) {
      expect(await readAllPages(path, token, limit), `limit=${limit}`).toEqual(all);
    }
  });
});

describe('who may read runs', () => {
  it('gives a project token its own project only, and the admin token both', async () => {
    const a = await createProject(t);
    const b = await createProject(t);
    const runA = await upload(a.token, 'basic', {});
    const runB = await upload(b.token, 'all-pass', {});

    for (const key of [b.project.id, b.project.slug]) {
      const response = await t.request(`/api/v1/projects/${key}/runs`, {
        headers: bearer(a.token),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const foreignRun = await t.request(`/api/v1/runs/${runB}`, { headers: bearer(a.token) });
    expect(foreignRun.status).toBe(404);
    expect(await foreignRun.json()).toMatchObject({ error: { code: 'not_found' } });
    // Indistinguishable from a run that does not exist.
    const missing = await t.request('/api/v1/runs/999999999999', { headers: bearer(a.token) });
    expect(missing.status).toBe(404);

    const own = await t.request(`/api/v1/runs/${runA}`, { headers: bearer(a.token) });
    expect(own.status).toBe(200);
    for (const [project, run] of [
      [a.project.id, runA],
      [b.project.id, runB],
    ] as const) {
      const runs = await t.request(`/api/v1/projects/${project}/runs`, {
        headers: adminHeaders(t),
      });
      expect(((await runs.json()) as RunList).items.map((r) => r.id)).toEqual([run]);
      const detail = await t.request(`/api/v1/runs/${run}`, { headers: adminHeaders(t) });
      expect(detail.status).toBe(200);
    }
  });

  it('refuses reads without or with a wrong token', async () => {
    const { project, token } = await createProject(t);
    const runId = await upload(token, 'all-pass', {});
    for (const path of [`/api/v1/projects/${project.id}/runs`, `/api/v1/runs/${runId}`]) {
      expect((await t.request(path)).status).toBe(401);
      expect(
        (await t.request(path, { headers: bearer('flk_wrongwrongwrongwrongwrongwrongwrong1') }))
          .status,
      ).toBe(401);
    }
    expect((await t.request('/api/v1/runs/not-a-number', { headers: bearer(token) })).status).toBe(
      404,
    );
  });
});
