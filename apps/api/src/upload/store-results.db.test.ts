import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../../bench/synthetic-report.ts';
import type { ErrorBody, RunDetail, UploadAnswer } from '../../test/api-shapes.ts';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { RESULTS_PER_BATCH } from './store-results.ts';

/** Reports larger than one batch: stored batch by batch, exactly as a small report is. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Report = ReturnType<typeof syntheticReport> & {
  suites: { specs: { tests: { status: string; results: { status: string }[] }[] }[] }[];
  stats: Record<'expected' | 'unexpected' | 'flaky' | 'skipped', number>;
};

/** Two and a half batches of tests, 100 per file. */
const TESTS = Math.round(RESULTS_PER_BATCH * 2.5);
const large = (runIndex: number): Report =>
  syntheticReport({ tests: TESTS, startTime: new Date(Date.now() - 3600_000), runIndex }) as Report;

async function upload(token: string, report: unknown, pipeline: string): Promise<UploadAnswer> {
  const response = await uploadReport(t, token, report, { query: { pipeline, commit: pipeline } });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadAnswer;
}

/** Per stored result: its test's identity and the outcome, in report order. */
async function storedResults(runId: string) {
  return t.database.sql<{ testId: string; title: string; repeatIndex: number; outcome: string }[]>`
    select tr.test_id as "testId", t.title, tr.repeat_index as "repeatIndex", tr.outcome
    from test_results tr join tests t on t.id = tr.test_id
    where tr.run_id = ${runId} order by t.title, tr.repeat_index`;
}

describe('a report of several batches', () => {
  it('stores every result under its own test, counted as Playwright counts it', async () => {
    const { project, token } = await createProject(t);
    const report = large(1);
    const answer = await upload(token, report, 'p1');
    const { expected, unexpected, flaky, skipped } = report.stats;
    expect(answer.run.totals).toEqual({
      total: TESTS,
      expected,
      unexpected,
      flaky,
      skipped,
    });
    const rows = await storedResults(answer.run.id);
    expect(rows).toHaveLength(TESTS);
    expect(new Set(rows.map((r) => r.testId)).size).toBe(TESTS);
    const [counters] = await t.database.sql<{ runs: number; tests: number }[]>`
      select sum(runs)::int as runs, count(*)::int as tests from test_stats
      where project_id = ${project.id}`;
    expect(counters).toEqual({ runs: TESTS - skipped, tests: TESTS });

    // Again, as a later run: the same tests, read from the cache this time.
    const again = await upload(token, large(2), 'p2');
    const second = await storedResults(again.run.id);
    expect(second.map((r) => r.testId)).toEqual(rows.map((r) => r.testId));
  });

  it('gives a test that turns up again in a later batch the id of its first result', async () => {
    const { token } = await createProject(t);
    const report = large(1);
    // The first file once more at the end (as in merged reports): its first test repeats.
    const first = report.suites[0] as Report['suites'][number];
    report.suites.push({ ...first, specs: first.specs.slice(0, 1) });
    report.stats.expected += 1;
    const answer = await upload(token, report, 'p1');
    expect(answer.run.totals.total).toBe(TESTS + 1);
    const rows = await storedResults(answer.run.id);
    const repeated = rows.filter((r) => r.title === 'behaves as specified #0');
    expect(repeated.map((r) => r.repeatIndex)).toEqual([0, 1]);
    expect(repeated[0]?.testId).toBe(repeated[1]?.testId);
    expect(new Set(rows.map((r) => r.testId)).size).toBe(TESTS);
  });

  it('marks the run interrupted when the interrupted attempt is in the last batch', async () => {
    const { token } = await createProject(t);
    const report = large(1);
    const lastSuite = report.suites.at(-1) as Report['suites'][number];
    const test = lastSuite.specs.at(-1)?.tests[0] as Report['suites'][0]['specs'][0]['tests'][0];
    expect(test.status).toBe('expected');
    test.status = 'skipped';
    test.results = [{ ...test.results[0], status: 'interrupted' }];
    report.stats.expected -= 1;
    report.stats.skipped += 1;
    const answer = await upload(token, report, 'p1');
    expect(answer.run.status).toBe('interrupted');
    const detail = await t.request(`/api/v1/runs/${answer.run.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const run = (await detail.json()) as RunDetail;
    expect(run.parts).toEqual([expect.objectContaining({ status: 'interrupted' })]);
  });

  it('stores nothing of a report whose last file suite is not a Playwright suite', async () => {
    const { project, token } = await createProject(t);
    await upload(token, large(1), 'p1');
    const before = await countProjectRows(t, project.id);
    const report = large(2) as unknown as { suites: { specs: unknown[] }[] };
    const last = report.suites.length - 1;
    (report.suites[last] as { specs: unknown[] }).specs = [{ title: 'no tests' }];
    const response = await uploadReport(t, token, report, { query: { pipeline: 'p2' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_report');
    expect(body.error.details?.map((d) => d.path)).toContain(`suites[${last}].specs[0].tests`);
    expect(await countProjectRows(t, project.id)).toEqual(before);
  });
});
