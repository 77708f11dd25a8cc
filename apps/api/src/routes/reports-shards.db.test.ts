import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type RunDetail, type RunDto, type Totals } from '../../test/api-shapes.ts';
import { createProject, startTestApp, uploadReport, type TestApp } from '../../test/harness.ts';
import { loadReport, type ReportName } from '../../test/fixtures/reports.ts';

/** Shards of one run: (project, pipeline, job) names the run, a shard uploaded again replaces its part. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(); // undefined when the start failed
});

interface ReportJson {
  config: { shard: { current: number; total: number } | null };
  stats: Omit<Totals, 'total'> & { startTime: string; duration: number };
}

const bytes = reportBytes;
const reportJson = (name: ReportName) => structuredClone(loadReport(name)) as ReportJson;
function totalsOf(...names: ReportName[]): Totals {
  const sum: Totals = { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (const name of names) {
    const { expected, unexpected, flaky, skipped } = reportJson(name).stats;
    sum.expected += expected;
    sum.unexpected += unexpected;
    sum.flaky += flaky;
    sum.skipped += skipped;
    sum.total += expected + unexpected + flaky + skipped;
  }
  return sum;
}

async function upload(
  token: string,
  body: Uint8Array | string,
  query: Record<string, string> = {},
) {
  const response = await uploadReport(t, token, body, { query });
  expect(response.status).toBe(201);
  return ((await response.json()) as { run: RunDto }).run;
}

async function detail(token: string, runId: string): Promise<RunDetail> {
  const response = await t.request(`/api/v1/runs/${runId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RunDetail;
}

async function counts(projectId: string) {
  const [row] = await t.database.sql<{ runs: number; parts: number; results: number }[]>`
    select
      (select count(*)::int from runs where project_id = ${projectId}) as runs,
      (select count(*)::int from run_parts where project_id = ${projectId}) as parts,
      (select count(*)::int from test_results where project_id = ${projectId}) as results`;
  return row;
}

async function resultsByPart(runId: string): Promise<Record<string, number>> {
  const rows = await t.database.sql<{ shard: string; n: number }[]>`
    select p.shard, count(tr.*)::int as n
    from run_parts p left join test_results tr on tr.part_id = p.id and tr.run_id = p.run_id
    where p.run_id = ${runId} group by p.shard`;
  return Object.fromEntries(rows.map((r) => [r.shard, r.n]));
}

describe('shards', () => {
  it('merges the shards of one pipeline and job into one run', async () => {
    const { project, token } = await createProject(t);
    const first = await upload(token, bytes('shard-1-of-2'), {
      pipeline: '1001',
      job: 'e2e',
      branch: 'main',
    });
    expect(first.totals).toEqual(totalsOf('shard-1-of-2'));
    const second = await upload(token, bytes('shard-2-of-2'), {
      pipeline: '1001',
      job: 'e2e',
      commit: 'abc1234',
    });
    expect(second.id).toBe(first.id);
    expect(second.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));

    const run = await detail(token, first.id);
    // Metadata of a later shard fills gaps and erases nothing.
    expect(run.run).toMatchObject({ branch: 'main', commit: 'abc1234', job: 'e2e', parts: 2 });
    expect(run.run.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));
    expect(run.parts.map((p) => p.shard)).toEqual(['1/2', '2/2']);
    expect(run.results).toHaveLength(28);
    // The run spans from the first shard's start to the last shard's end.
    const s1 = reportJson('shard-1-of-2').stats;
    const s2 = reportJson('shard-2-of-2').stats;
    expect(run.run.startedAt).toBe(s1.startTime);
    expect(run.run.durationMs).toBe(
      Math.round(Date.parse(s2.startTime) + s2.duration - Date.parse(s1.startTime)),
    );
    expect(await counts(project.id)).toEqual({ runs: 1, parts: 2, results: 28 });
  });

  it('replaces a shard uploaded again with another report, never adds', async () => {
    const { project, token } = await createProject(t);
    const query = { pipeline: '2002', job: 'e2e' };
    const { id } = await upload(token, bytes('shard-1-of-2'), query);
    await upload(token, bytes('shard-2-of-2'), query);
    const [old] = await t.database.sql<
      { id: string }[]
    >`select id from run_parts where run_id = ${id} and shard = '1/2'`;

    // A retried CI job: the same shard, a report that differs (here only in its duration).
    const retried = reportJson('shard-1-of-2');
    retried.stats.duration += 1234;
    const again = await upload(token, JSON.stringify(retried, null, 2), query);
    expect(again.id).toBe(id);
    expect(again.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));

    const run = await detail(token, id);
    expect(run.parts.map((p) => p.shard)).toEqual(['1/2', '2/2']);
    expect(run.parts[0]?.id).not.toBe(old?.id);
    expect(run.parts[0]?.durationMs).toBe(Math.round(retried.stats.duration));
    expect(run.results).toHaveLength(28);
    expect(new Set(run.results.map((r) => r.testId)).size).toBe(28);
    expect(await counts(project.id)).toEqual({ runs: 1, parts: 2, results: 28 });
    const [leftover] = await t.database.sql<{ n: number }[]>`
      select count(*)::int as n from test_results where part_id = ${old?.id ?? '0'}`;
    expect(leftover?.n).toBe(0);
  });

  it('lets the shard parameter name the part a report replaces', async () => {
    const { project, token } = await createProject(t);
    const query = { pipeline: '3003', job: 'e2e' };
    const { id } = await upload(token, bytes('shard-1-of-2'), query);
    await upload(token, bytes('shard-2-of-2'), query);
    // basic.json carries no config.shard; shard=1/2 makes it the new first shard.
    const replaced = await upload(token, bytes('basic'), { ...query, shard: '1/2' });
    expect(replaced.id).toBe(id);
    expect(replaced.totals).toEqual(totalsOf('basic', 'shard-2-of-2'));

    const run = await detail(token, id);
    expect(run.parts.map((p) => [p.shard, p.totals])).toEqual([
      ['1/2', totalsOf('basic')],
      ['2/2', totalsOf('shard-2-of-2')],
    ]);
    expect(await resultsByPart(id)).toEqual({ '1/2': 28, '2/2': 14 });
    expect((await counts(project.id))?.parts).toBe(2);
  });

  it('treats GitLab parallel jobs "e2e 1/2" and "e2e 2/2" as the shards of job "e2e"', async () => {
    const { project, token } = await createProject(t);
    const parts = (['shard-1-of-2', 'shard-2-of-2'] as const).map((name) => {
      const report = reportJson(name);
      report.config.shard = null; // only the job name says which shard this is
      return JSON.stringify(report);
    });
    const first = await upload(token, parts[0] as string, { pipeline: '4004', job: 'e2e 1/2' });
    const second = await upload(token, parts[1] as string, { pipeline: '4004', job: 'e2e 2/2' });
    expect(second.id).toBe(first.id);

    const run = await detail(token, first.id);
    expect(run.run.job).toBe('e2e');
    expect(run.run.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));
    expect(run.parts.map((p) => p.shard)).toEqual(['1/2', '2/2']);
    expect(await counts(project.id)).toEqual({ runs: 1, parts: 2, results: 28 });
  });

  it('keeps other jobs, other projects and uploads without a pipeline apart', async () => {
    const { project, token } = await createProject(t);
    const other = await createProject(t);
    const e2e = await upload(token, bytes('shard-1-of-2'), { pipeline: '5005', job: 'e2e' });
    const smoke = await upload(token, bytes('shard-2-of-2'), { pipeline: '5005', job: 'smoke' });
    expect(smoke.id).not.toBe(e2e.id);
    const elsewhere = await upload(other.token, bytes('shard-2-of-2'), {
      pipeline: '5005',
      job: 'e2e',
    });
    expect(elsewhere.id).not.toBe(e2e.id);

    // Without a pipeline every upload is a run of its own, shards or not.
    const lone1 = await upload(token, bytes('all-pass'), { job: 'e2e' });
    const lone2 = await upload(token, bytes('basic'), { job: 'e2e' });
    expect(lone2.id).not.toBe(lone1.id);
    expect(lone1.parts).toBe(1);
    expect(lone2.totals).toEqual(totalsOf('basic'));
    expect(await counts(project.id)).toEqual({ runs: 4, parts: 4, results: 14 + 14 + 28 + 28 });
    expect(await counts(other.project.id)).toEqual({ runs: 1, parts: 1, results: 14 });
  });
});
