import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type ErrorBody } from '../../test/api-shapes.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import type { ReportName } from '../../test/fixtures/reports.ts';
import { bearer, openSession } from '../../test/sessions.ts';

/** GET /api/v1/runs/:runId/results: a run's results, failures first, filtered and paged. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Result {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  repeatIndex: number;
  outcome: string;
  error: { message: string; signature: string | null } | null;
  [key: string]: unknown;
}
interface ResultPage {
  items: Result[];
  nextCursor: string | null;
}

async function seedRun(names: ReportName[]) {
  const { project, token } = await createProject(t);
  let runId = '';
  for (const name of names) {
    const response = await uploadReport(t, token, reportBytes(name), {
      query: { branch: 'main', pipeline: 'p1' },
    });
    expect(response.status).toBe(201);
    runId = ((await response.json()) as { run: { id: string } }).run.id;
  }
  return { project, token, runId };
}

async function get(runId: string, token: string, query = '') {
  return t.request(`/api/v1/runs/${runId}/results${query}`, { headers: bearer(token) });
}

async function list(runId: string, token: string, query = ''): Promise<ResultPage> {
  const response = await get(runId, token, query);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as ResultPage;
}

/** Every page, following nextCursor. */
async function listAll(runId: string, token: string, query: string): Promise<Result[]> {
  const all: Result[] = [];
  let cursor: string | null = null;
  do {
    const page: ResultPage = await list(
      runId,
      token,
      `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const rank = ['unexpected', 'flaky', 'skipped', 'expected'];
const keyOf = (r: Result) => `${r.testId}/${r.repeatIndex}/${r.outcome}`;

/**
 * The expected order, from the run detail's results (ordered by the database on the same file,
 * title path, project and repeat index, so with its collation): regrouped by outcome.
 */
async function expectedOrder(runId: string, token: string): Promise<Result[]> {
  const response = await t.request(`/api/v1/runs/${runId}`, { headers: bearer(token) });
  const { results } = (await response.json()) as { results: Result[] };
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank.indexOf(a.r.outcome) - rank.indexOf(b.r.outcome) || a.i - b.i)
    .map(({ r }) => r);
}

describe('GET /api/v1/runs/:runId/results', () => {
  it('lists unexpected, flaky, skipped, then expected results, in the run detail’s shape', async () => {
    const { token, runId } = await seedRun(['basic']);
    const page = await list(runId, token);
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(28);
    expect(page.items).toEqual(await expectedOrder(runId, token));
    const outcomes = page.items.map((r) => r.outcome);
    expect(outcomes.slice(0, 2)).toEqual(['unexpected', 'unexpected']);
    expect(outcomes.slice(2, 6)).toEqual(['flaky', 'flaky', 'flaky', 'flaky']);
    expect(new Set(outcomes.slice(6, 11))).toEqual(new Set(['skipped']));
    expect(new Set(outcomes.slice(11))).toEqual(new Set(['expected']));
    expect(page.items[0]).toMatchObject({
      title: 'always fails',
      titlePath: ['always fails'],
      file: 'basics.spec.ts',
      projectName: 'alpha',
      repeatIndex: 0,
      attempts: 3,
      error: { message: expect.stringContaining('expect(received)') },
    });
  });

  it('pages through every result once, across parts and repeats', async () => {
    for (const names of [['shard-1-of-2', 'shard-2-of-2'], ['repeat-each']] as ReportName[][]) {
      const { token, runId } = await seedRun(names);
      const expected = await expectedOrder(runId, token);
      for (const limit of [1, 3, 7]) {
        const all = await listAll(runId, token, `?limit=${limit}`);
        expect(all.map(keyOf), `${names.join('+')} limit ${limit}`).toEqual(expected.map(keyOf));
      }
      const first = await list(runId, token, '?limit=2');
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
    }
  });

  it('keeps repeats of a test apart, in repeat order', async () => {
    const { token, runId } = await seedRun(['repeat-each']);
    const all = await list(runId, token);
    const byTest = new Map<string, number[]>();
    for (const r of all.items.filter((r) => r.outcome === 'expected')) {
      byTest.set(r.testId, [...(byTest.get(r.testId) ?? []), r.repeatIndex]);
    }
    expect([...byTest.values()].some((indexes) => indexes.length > 1)).toBe(true);
    for (const indexes of byTest.values()) expect(indexes).toEqual([...indexes].sort());
  });

  it('filters by outcome and by a case-insensitive substring of title or file', async () => {
    const { token, runId } = await seedRun(['basic']);
    const flaky = await list(runId, token, '?outcome=flaky');
    expect(flaky.items.map((r) => r.title)).toEqual(
      (await expectedOrder(runId, token)).filter((r) => r.outcome === 'flaky').map((r) => r.title),
    );
    expect(flaky.items).toHaveLength(4);

    const byTitle = await list(runId, token, '?q=ALWAYS%20Fails');
    expect(byTitle.items.map((r) => [r.title, r.projectName])).toEqual([
      ['always fails', 'alpha'],
      ['always fails', 'beta'],
    ]);
    const byFile = await list(runId, token, '?q=Nested%2Fdeep');
    expect(byFile.items.map((r) => r.file)).toEqual(Array(4).fill('nested/deep.spec.ts'));
    const both = await list(runId, token, '?q=checkout&outcome=flaky');
    expect(both.items.map((r) => r.titlePath)).toEqual([
      ['checkout flow', 'pay'],
      ['checkout flow', 'pay'],
    ]);
    // LIKE wildcards in q are text: no title holds "%" or "_".
    for (const q of ['%25', '_', '%5C']) {
      expect((await list(runId, token, `?q=${q}`)).items).toEqual([]);
    }
    // A blank q is no filter; a filtered list pages too.
    expect((await list(runId, token, '?q=%20')).items).toHaveLength(28);
    const paged = await listAll(runId, token, '?q=e&limit=2&outcome=expected');
    expect(paged.map(keyOf)).toEqual(
      (await list(runId, token, '?q=e&outcome=expected')).items.map(keyOf),
    );
  });

  it('refuses bad parameters and foreign cursors with 400 naming them', async () => {
    const { token, runId } = await seedRun(['basic']);
    const cases: [string, string][] = [
      ['?outcome=passed', 'outcome'],
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?limit=ten', 'limit'],
      [`?q=${'x'.repeat(201)}`, 'q'],
      ['?status=failed', 'status'],
      ['?cursor=garbage', 'cursor'],
      [`?cursor=${Buffer.from('["flaky","1",0]').toString('base64url')}`, 'cursor'],
      [`?cursor=${Buffer.from('["passed","1",0,"1"]').toString('base64url')}`, 'cursor'],
      [`?cursor=${Buffer.from('["flaky","1",40000,"1"]').toString('base64url')}`, 'cursor'],
      [`?cursor=${Buffer.from('["flaky","0x1",0,"1"]').toString('base64url')}`, 'cursor'],
    ];
    for (const [query, path] of cases) {
      const response = await get(runId, token, query);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details?.map((d) => d.path)).toContain(path);
    }
    // Well formed but naming no test of the project: an empty page, never an error.
    const stray = Buffer.from('["flaky","999999999",0,"1"]').toString('base64url');
    expect(await list(runId, token, `?cursor=${stray}`)).toEqual({ items: [], nextCursor: null });
  });

  it('answers 404 for another project’s run or an unknown one, 401 without credentials', async () => {
    const own = await seedRun(['basic']);
    const other = await seedRun(['all-pass']);
    for (const runId of [other.runId, '999999999', 'abc', '1e3']) {
      const response = await get(runId, own.token);
      expect(response.status, runId).toBe(404);
      expect(((await response.json()) as ErrorBody).error.code).toBe('not_found');
    }
    const anonymous = await t.request(`/api/v1/runs/${own.runId}/results`);
    expect(anonymous.status).toBe(401);
    // The admin token and a session read it too.
    const admin = await t.request(`/api/v1/runs/${other.runId}/results?limit=1`, {
      headers: adminHeaders(t),
    });
    expect(admin.status).toBe(200);
    const { session } = await openSession(t, own.token);
    expect((await list(own.runId, session, '?outcome=unexpected')).items).toHaveLength(2);
    expect((await get(other.runId, session)).status).toBe(404);
  });
});
