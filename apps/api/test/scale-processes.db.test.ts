import type { StreamRunUpdated } from '@flackyness/shared/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type RunDetail, type RunDto, type Totals } from './api-shapes.ts';
import { loadReport, type ReportName } from './fixtures/reports.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';
import { SseReader } from './sse-client.ts';

/**
 * Several API processes behind one address on one PostgreSQL (docs/scaling.md): uploads of one
 * run's shards land on either process and merge into one run, both processes read the same
 * answers, and a stream opened on one process follows uploads taken by the other (LISTEN/NOTIFY).
 * Live runs across processes: live-processes.db.test.ts.
 */

const ADMIN = 'admin-token-for-scale-processes-01';
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let a: RunningServer;
let b: RunningServer;

const totalsOf = (...names: ReportName[]): Totals => {
  const sum: Totals = { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (const name of names) {
    const { stats } = loadReport(name) as { stats: Omit<Totals, 'total'> };
    for (const key of ['expected', 'unexpected', 'flaky', 'skipped'] as const) {
      sum[key] += stats[key];
      sum.total += stats[key];
    }
  }
  return sum;
};

async function upload(
  server: RunningServer,
  token: string,
  name: ReportName,
  query: Record<string, string>,
): Promise<{ status: number; run: RunDto }> {
  const response = await fetch(`${server.url}/api/v1/reports?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: reportBytes(name),
  });
  const body = (await response.json()) as { run: RunDto };
  return { status: response.status, run: body.run };
}

async function read<T>(server: RunningServer, token: string, path: string): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status, `${path} on ${server.url}`).toBe(200);
  return (await response.json()) as T;
}

describe.skipIf(dbMode !== 'postgres')('several API processes, one PostgreSQL', () => {
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    // Behind one address: the load balancer's, which links in answers point at.
    const env = {
      DATABASE_URL: database.url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
      PUBLIC_URL: 'https://flackyness.example',
    };
    // One after the other: the first migrates the new database.
    a = await startServer({ env });
    b = await startServer({ env });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('merges the shards of one run uploaded to either process, and both read the same', async () => {
    const { project, token } = await createProjectOn(a.url, ADMIN, 'Shards on two processes');
    const meta = { pipeline: 'p-alternate', job: 'e2e', branch: 'main', commit: 'c1' };
    const one = await upload(a, token, 'shard-1-of-2', meta);
    const two = await upload(b, token, 'shard-2-of-2', meta);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(two.run.id).toBe(one.run.id);
    expect(two.run.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));
    // The same shard again, on the other process: recognised, nothing added.
    const again = await upload(b, token, 'shard-1-of-2', meta);
    expect(again.status).toBe(200);
    expect(again.run.totals).toEqual(two.run.totals);

    const paths = [
      `/api/v1/runs/${one.run.id}`,
      `/api/v1/projects/${project.slug}/runs`,
      `/api/v1/projects/${project.slug}/stats`,
      `/api/v1/projects/${project.slug}/flaky-tests?status=all`,
      `/api/v1/projects/${project.slug}/errors`,
    ];
    for (const path of paths) {
      expect(await read(a, token, path), path).toEqual(await read(b, token, path));
    }
    const detail = await read<RunDetail>(a, token, `/api/v1/runs/${one.run.id}`);
    expect(detail.parts.map((p) => p.shard).sort()).toEqual(['1/2', '2/2']);
    expect(detail.run.totals).toEqual(two.run.totals);
  });

  it('merges shards of one run uploaded to both processes at the same moment', async () => {
    const { project, token } = await createProjectOn(b.url, ADMIN, 'Concurrent shards');
    const meta = { pipeline: 'p-concurrent', job: 'e2e', branch: 'main', commit: 'c2' };
    const [one, two] = await Promise.all([
      upload(a, token, 'shard-1-of-2', meta),
      upload(b, token, 'shard-2-of-2', meta),
    ]);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(one.run.id).toBe(two.run.id);
    const runs = await read<{ items: RunDto[] }>(a, token, `/api/v1/projects/${project.slug}/runs`);
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]?.totals).toEqual(totalsOf('shard-1-of-2', 'shard-2-of-2'));
  });

  it('streams to a viewer on one process the runs uploaded to the other', async () => {
    const { project, token } = await createProjectOn(a.url, ADMIN, 'Stream across processes');
    const stream = new SseReader(
      await fetch(`${a.url}/api/v1/projects/${project.slug}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    try {
      const uploaded = await upload(b, token, 'basic', { pipeline: 'p-stream', branch: 'main' });
      expect(uploaded.status).toBe(201);
      await stream.until((r) =>
        r
          .of<StreamRunUpdated>('run-updated')
          .some(
            (u) => u.run.id === uploaded.run.id && u.run.totals.total === uploaded.run.totals.total,
          ),
      );
    } finally {
      await stream.close();
    }
  });

  it('counts one token, and one address, against one limit across both processes (REDIS_URL)', async () => {
    // Two more processes sharing their limits in Redis, under a prefix of this test's own.
    const env = {
      DATABASE_URL: (database as { url: string }).url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_REDIS_PREFIX: `flk-test:${process.pid}:${Date.now()}:`,
      RATE_LIMIT_UPLOADS_PER_MIN: '4',
      RATE_LIMIT_READS_PER_MIN: '3',
    };
    const [c, d] = await Promise.all([startServer({ env }), startServer({ env })]);
    try {
      const { project, token } = await createProjectOn(a.url, ADMIN, 'Limits across processes');
      const other = await createProjectOn(a.url, ADMIN, 'Another token');
      const send = (server: RunningServer, key: string, i: number) =>
        fetch(`${server.url}/api/v1/reports?pipeline=limit-${i}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: reportBytes('basic'),
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await send(i % 2 ? c : d, token, i)).status);
      expect(statuses.every((s) => s === 201 || s === 200)).toBe(true);
      // The fifth upload of the minute, on either process, is one too many.
      const refused = await send(c, token, 4);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await send(d, token, 5)).status).toBe(429);
      // Another token counts apart.
      expect((await send(d, other.token, 6)).status).toBe(201);

      // Reads count by address: three on one process and the other, then refused on both.
      const readOn = (server: RunningServer) =>
        fetch(`${server.url}/api/v1/projects/${project.slug}/runs`, {
          headers: { authorization: `Bearer ${token}` },
        });
      const reads = [await readOn(c), await readOn(d), await readOn(c)].map((r) => r.status);
      expect(reads).toEqual([200, 200, 200]);
      expect((await readOn(d)).status).toBe(429);
      expect((await readOn(c)).status).toBe(429);
    } finally {
      await Promise.all([c.stop(), d.stop()]);
    }
  });
});
