import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedDatabase,
  createProject,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { createPartitionsAhead, dropExpiredPartitions, listPartitions } from './partitions.ts';

/**
 * test_results is partitioned by month of the run's start (DESIGN.md §3). The months used here are
 * far from today's, so no other test file writes into them.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(); // undefined when the start failed
});

interface Uploaded {
  run: { id: string; startedAt: string };
}

/** basic.json (28 tests) as if its run had started at `startTime`. */
function reportStartingAt(startTime: string): string {
  const report = structuredClone(loadReport('basic')) as { stats: { startTime: string } };
  report.stats.startTime = startTime;
  return JSON.stringify(report);
}

async function uploadAt(
  app: TestApp,
  token: string,
  startTime: string,
  query: Record<string, string> = {},
) {
  const response = await uploadReport(app, token, reportStartingAt(startTime), { query });
  expect(response.status).toBe(201);
  return ((await response.json()) as Uploaded).run;
}

async function partitionsOf(app: TestApp, runId: string): Promise<Record<string, number>> {
  const rows = await app.database.sql<{ partition: string; n: number }[]>`
    select tableoid::regclass::text as partition, count(*)::int as n
    from test_results where run_id = ${runId} group by 1`;
  return Object.fromEntries(rows.map((r) => [r.partition, r.n]));
}

async function partitionExists(app: TestApp, name: string): Promise<boolean> {
  const [row] = await app.database.sql<
    { exists: boolean }[]
  >`select to_regclass(${name}) is not null as exists`;
  return row?.exists ?? false;
}

describe('partition placement', () => {
  it('stores the rows of a January run in the January partition', async () => {
    const { token } = await createProject(t);
    const run = await uploadAt(t, token, '2025-01-15T10:00:00.000Z');
    expect(run.startedAt).toBe('2025-01-15T10:00:00.000Z');
    expect(await partitionsOf(t, run.id)).toEqual({ test_results_2025_01: 28 });
    // created_at is the run's start from the report, not the upload time.
    const [row] = await t.database.sql<{ min: Date; max: Date }[]>`
      select min(created_at) as min, max(created_at) as max from test_results where run_id = ${run.id}`;
    expect([row?.min.toISOString(), row?.max.toISOString()]).toEqual([
      run.startedAt,
      run.startedAt,
    ]);
  });

  it('creates the partition of a month that has none', async () => {
    const { token } = await createProject(t);
    expect(await partitionExists(t, 'test_results_2019_03')).toBe(false);
    const run = await uploadAt(t, token, '2019-03-10T08:30:00.000Z');
    expect(await partitionExists(t, 'test_results_2019_03')).toBe(true);
    expect(await partitionsOf(t, run.id)).toEqual({ test_results_2019_03: 28 });
    expect((await listPartitions(t.database.sql)).map((p) => p.name)).toContain(
      'test_results_2019_03',
    );
  });

  it('splits months at UTC midnight', async () => {
    const { token } = await createProject(t);
    const before = await uploadAt(t, token, '2031-05-31T23:59:59.999Z');
    const after = await uploadAt(t, token, '2031-06-01T00:00:00.000Z');
    expect(await partitionsOf(t, before.id)).toEqual({ test_results_2031_05: 28 });
    expect(await partitionsOf(t, after.id)).toEqual({ test_results_2031_06: 28 });
  });

  it('serves concurrent uploads of one project into a brand-new month', async () => {
    const { project, token } = await createProject(t);
    expect(await partitionExists(t, 'test_results_2018_08')).toBe(false);
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map((day) =>
        uploadReport(t, token, reportStartingAt(`2018-08-0${day}T10:00:00.000Z`), {
          query: { pipeline: `p${day}` },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const [row] = await t.database.sql<{ runs: number; rows: number }[]>`
      select (select count(*)::int from runs where project_id = ${project.id}) as runs,
        (select count(*)::int from test_results_2018_08 where project_id = ${project.id}) as rows`;
    expect(row).toEqual({ runs: 5, rows: 5 * 28 });
  });

  it('serves concurrent uploads of different projects into a brand-new month', async () => {
    const projects = await Promise.all([1, 2, 3, 4, 5].map(() => createProject(t)));
    expect(await partitionExists(t, 'test_results_2018_07')).toBe(false);
    const responses = await Promise.all(
      projects.map(({ token }, i) =>
        uploadReport(t, token, reportStartingAt(`2018-07-1${i}T10:00:00.000Z`)),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(
      responses.map((r) => r.status),
      bodies.join('\n'),
    ).toEqual([201, 201, 201, 201, 201]);
    for (const body of bodies) {
      expect(await partitionsOf(t, (JSON.parse(body) as Uploaded).run.id)).toEqual({
        test_results_2018_07: 28,
      });
    }
  });

  it('creates one partition from several connections at once', async () => {
    expect(await partitionExists(t, 'test_results_2016_04')).toBe(false);
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map(
        () => t.database.sql`select ensure_test_results_partition('2016-04-01'::date) as name`,
      ),
    );
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value[0]?.name : String(r.reason))),
    ).toEqual(Array(5).fill('test_results_2016_04'));
  });
});

describe('partitions ahead', () => {
  it('creates the current month and the next two, and is idempotent', async () => {
    const now = new Date('2032-11-20T12:00:00Z');
    const months = () =>
      listPartitions(t.database.sql).then((all) =>
        all.map((p) => p.month).filter((m) => m >= '2032-10-01'),
      );
    expect(await months()).toEqual([]);
    await createPartitionsAhead(t.database.sql, 2, now);
    expect(await months()).toEqual(['2032-11-01', '2032-12-01', '2033-01-01']);
    await createPartitionsAhead(t.database.sql, 2, now);
    expect(await months()).toEqual(['2032-11-01', '2032-12-01', '2033-01-01']);
  });

  it('has this month and the next two ready at start', async () => {
    const names = new Set((await listPartitions(t.database.sql)).map((p) => p.name));
    const now = new Date();
    for (let i = 0; i <= 2; i++) {
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
      const name = `test_results_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
      expect(names).toContain(name);
    }
  });
});

describe('retention', () => {
  // Dropping partitions changes state other test files share, so this runs on its own database.
  it('drops partitions and runs older than the retention window and keeps newer ones', async () => {
    const isolated = dbMode === 'postgres' ? await createIsolatedDatabase() : undefined;
    const app = await startTestApp(isolated ? { databaseUrl: isolated.url } : {});
    try {
      const { project, token } = await createProject(app);
      const old = await uploadAt(app, token, '2025-05-20T08:00:00.000Z');
      const kept = await uploadAt(app, token, '2025-06-03T08:00:00.000Z');
      const recent = await uploadAt(app, token, '2026-06-01T08:00:00.000Z');

      // Twelve months before June 2026: June 2025 is the oldest month kept.
      const now = new Date('2026-06-15T12:00:00Z');
      expect(await dropExpiredPartitions(app.database.sql, 12, now)).toEqual([
        'test_results_2025_05',
      ]);
      const names = (await listPartitions(app.database.sql)).map((p) => p.name);
      expect(names).not.toContain('test_results_2025_05');
      expect(names).toEqual(
        expect.arrayContaining(['test_results_2025_06', 'test_results_2026_06']),
      );

      const runs = await app.database.sql<{ id: string }[]>`
        select id from runs where project_id = ${project.id} order by started_at`;
      expect(runs.map((r) => r.id)).toEqual([kept.id, recent.id]);
      const [parts] = await app.database.sql<{ n: number }[]>`
        select count(*)::int as n from run_parts where run_id = ${old.id}`;
      expect(parts?.n).toBe(0);
      const gone = await app.request(`/api/v1/runs/${old.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(gone.status).toBe(404);
      expect(await partitionsOf(app, kept.id)).toEqual({ test_results_2025_06: 28 });
      expect(await partitionsOf(app, recent.id)).toEqual({ test_results_2026_06: 28 });

      // Nothing more to drop the second time.
      expect(await dropExpiredPartitions(app.database.sql, 12, now)).toEqual([]);
    } finally {
      await app.close();
      await isolated?.drop();
    }
  });
});
