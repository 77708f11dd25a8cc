import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedDatabase,
  createProject,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport, type ReportName } from '../../test/fixtures/reports.ts';
import { applyRetention } from '../jobs/retention.ts';
import { createPartitionsAhead, listPartitions } from './partitions.ts';

/**
 * test_results is partitioned by month of the run's start (DESIGN.md §3). The months used here are
 * far from today's, so no other test file writes into them.
 */

/** The app's clock: an upload of a run that started long ago is accepted when "now" is then. */
let clock = new Date();
const now = () => clock;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now });
});
afterAll(async () => {
  await t?.close(); // undefined when the start failed
});

interface Uploaded {
  run: { id: string; startedAt: string };
}

/** basic.json (28 tests) as if its run had started at `startTime`. */
function reportStartingAt(startTime: string, name: ReportName = 'basic'): string {
  const report = structuredClone(loadReport(name)) as { stats: { startTime: string } };
  report.stats.startTime = startTime;
  return JSON.stringify(report);
}

async function uploadAt(
  app: TestApp,
  token: string,
  startTime: string,
  query: Record<string, string> = {},
  name: ReportName = 'basic',
) {
  clock = new Date(Date.parse(startTime) + 3600_000);
  const response = await uploadReport(app, token, reportStartingAt(startTime, name), { query });
  expect(response.status, await response.clone().text()).toBe(201);
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
    clock = new Date('2018-08-06T00:00:00.000Z');
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
    clock = new Date('2018-07-16T00:00:00.000Z');
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

class RolledBack extends Error {}

describe.skipIf(dbMode !== 'postgres')('partition creation beside uploads in flight', () => {
  /** A client of its own: its transactions are not the pool's. */
  const connect = (max = 1) => t.database.connect({ max });
  const currentMonth = () => {
    const d = new Date();
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-15T12:00:00Z`;
  };

  /** Inserts one result row into this month's partition and keeps the transaction open. */
  async function holdInsert(sql: ReturnType<typeof connect>) {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted = () => {};
    const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
    const done = sql
      .begin(async (tx) => {
        await tx`
          insert into test_results (project_id, run_id, part_id, test_id, created_at, outcome,
            expected_status, attempts, duration_ms)
          values (-1, -1, -1, -1, ${currentMonth()}, 'expected', 'passed', 1, 1)`;
        inserted();
        await released;
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    await insertedNow;
    return { release, done };
  }

  it('creates and attaches a month while another transaction is inserting', async () => {
    const a = connect();
    const b = connect();
    try {
      const upload = await holdInsert(a);
      // A lock on test_results that waited for the insert would fail here instead of hanging.
      const [row] = await b.begin(async (tx) => {
        await tx`set local lock_timeout = '3s'`;
        return tx`select ensure_test_results_partition('2014-02-01'::date) as name`;
      });
      expect(row?.name).toBe('test_results_2014_02');
      upload.release();
      await upload.done;
      expect((await listPartitions(t.database.sql)).map((p) => p.name)).toContain(
        'test_results_2014_02',
      );
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('lets inserts go on while a month is being attached', async () => {
    const creator = connect();
    const writer = connect();
    try {
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let attached = () => {};
      const attachedNow = new Promise<void>((resolve) => (attached = resolve));
      const creating = creator.begin(async (tx) => {
        await tx`select ensure_test_results_partition('2014-03-01'::date)`;
        attached();
        await released;
      });
      await attachedNow;
      // Rolled back: the row is only there to show that the insert did not wait.
      let inserted = 0;
      await writer
        .begin(async (tx) => {
          await tx`set local lock_timeout = '3s'`;
          const rows = await tx`
            insert into test_results (project_id, run_id, part_id, test_id, created_at, outcome,
              expected_status, attempts, duration_ms)
            values (-1, -1, -1, -1, ${currentMonth()}, 'expected', 'passed', 1, 1)
            returning 1`;
          inserted = rows.length;
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      expect(inserted).toBe(1);
      release();
      await creating;
    } finally {
      await Promise.all([creator.end(), writer.end()]);
    }
  });

  it('serves many creators of the same and of different months at once', async () => {
    const pool = connect(8);
    try {
      const months = ['2013-01-01', '2013-02-01', '2013-03-01', '2013-04-01'];
      const results = await Promise.allSettled(
        [...months, ...months, ...months].map((month) =>
          pool.begin(async (tx) => {
            await tx`set local lock_timeout = '10s'`;
            const [row] = await tx`select ensure_test_results_partition(${month}::date) as name`;
            return row?.name as string;
          }),
        ),
      );
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual(
        [...months, ...months, ...months].map(
          (m) => `test_results_${m.slice(0, 4)}_${m.slice(5, 7)}`,
        ),
      );
    } finally {
      await pool.end();
    }
  });
});

describe('retention', () => {
  // Retention drops partitions, which other test files share: this runs on its own database.
  it('removes whole runs started before the cutoff, their months and their daily aggregates', async () => {
    const isolated = dbMode === 'postgres' ? await createIsolatedDatabase() : undefined;
    const app = await startTestApp({ now, ...(isolated ? { databaseUrl: isolated.url } : {}) });
    const count = async (query: string) =>
      Number((await app.database.sql.unsafe<{ n: number }[]>(query))[0]?.n);
    try {
      const { project, token } = await createProject(app);
      const april = await uploadAt(app, token, '2025-04-20T08:00:00.000Z');
      const may = await uploadAt(app, token, '2025-05-20T08:00:00.000Z');
      // One run whose shards straddle the first month kept. Its "always fails" results and the
      // passes of a kept run of the same commit make that commit a flake, counted on June 1.
      const straddle = { pipeline: 'straddle', job: 'e2e', commit: 'c-straddle' };
      const first = await uploadAt(app, token, '2025-05-31T23:50:00.000Z', {
        ...straddle,
        shard: '1/2',
      });
      const second = await uploadAt(app, token, '2025-06-01T00:10:00.000Z', {
        ...straddle,
        shard: '2/2',
      });
      expect(second.id).toBe(first.id);
      const kept = await uploadAt(
        app,
        token,
        '2025-06-03T08:00:00.000Z',
        { commit: 'c-straddle' },
        'all-pass',
      );
      const keptFlakes = (table: string) =>
        count(`select coalesce(sum(commit_flakes), 0)::int as n from ${table}
          where day >= '2025-06-01'`);
      expect(await keptFlakes('project_daily_stats')).toBe(2);
      const recent = await uploadAt(app, token, '2026-06-01T08:00:00.000Z');

      // Twelve months before June 2026: June 2025 is the oldest month kept.
      const at = new Date('2026-06-15T12:00:00Z');
      const options = { retentionMonths: 12, windowDays: 30, now: at, batchSize: 1 };
      const outcome = await applyRetention(app.database.sql, options);
      expect(outcome).toEqual({
        cutoff: '2025-06-01',
        expiredRuns: 3,
        droppedPartitions: ['test_results_2025_04', 'test_results_2025_05'],
      });

      const runs = await app.database.sql<{ id: string }[]>`
        select id from runs where project_id = ${project.id} order by started_at`;
      expect(runs.map((r) => r.id)).toEqual([kept.id, recent.id]);
      expect(await partitionsOf(app, kept.id)).toEqual({ test_results_2025_06: 28 });
      expect(await partitionsOf(app, recent.id)).toEqual({ test_results_2026_06: 28 });
      for (const gone of [april, may, first]) {
        expect(await partitionsOf(app, gone.id)).toEqual({});
        const response = await app.request(`/api/v1/runs/${gone.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(404);
      }
      expect(
        await count(`select count(*)::int as n from test_results tr
          where not exists (select 1 from runs r where r.id = tr.run_id)`),
      ).toBe(0);
      expect(
        await count(`select count(*)::int as n from runs r
          where not exists (select 1 from test_results tr where tr.run_id = r.id)
             or not exists (select 1 from run_parts p where p.run_id = r.id)`),
      ).toBe(0);
      expect(
        await count(`select count(*)::int as n from run_parts p
          where not exists (select 1 from runs r where r.id = p.run_id)`),
      ).toBe(0);
      // Nothing of the days before the cutoff, and the straddling run's later shard uncounted.
      for (const table of ['test_daily_stats', 'project_daily_stats']) {
        expect(
          await count(`select count(*)::int as n from ${table} where day < '2025-06-01'`),
        ).toBe(0);
        expect(
          await count(`select coalesce(sum(runs + skipped_runs), 0)::int as n from ${table}
            where day = '2025-06-01'`),
        ).toBe(0);
        expect(
          await count(`select coalesce(sum(runs + skipped_runs), 0)::int as n from ${table}
            where day = '2025-06-03'`),
        ).toBeGreaterThan(0);
      }

      // The straddling run took its failures along: no commit flake is left in the kept days.
      for (const table of ['test_daily_stats', 'project_daily_stats']) {
        expect(await keptFlakes(table), table).toBe(0);
      }

      // Nothing more to remove the second time.
      expect(await applyRetention(app.database.sql, options)).toEqual({
        cutoff: '2025-06-01',
        expiredRuns: 0,
        droppedPartitions: [],
      });
    } finally {
      await app.close();
      await isolated?.drop();
    }
  });
});
