import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type RunDto } from './api-shapes.ts';
import { createProject, dbMode, startTestApp, uploadReport, type TestApp } from './harness.ts';
import {
  replicaClusterUnavailable,
  startReplicaCluster,
  type ReplicaCluster,
} from './replica-cluster.ts';

/**
 * DATABASE_READ_URL (docs/scaling.md): the dashboard's reads go to a hot standby in streaming
 * replication, made here from the local PostgreSQL binaries; uploads and authentication stay on
 * the primary. That the reads come from the standby is shown by stopping its replay: the primary
 * moves on, the dashboard's lists do not, until replay resumes.
 */

const unavailable = dbMode === 'postgres' ? replicaClusterUnavailable() : 'postgres project only';
if (dbMode === 'postgres' && unavailable) {
  console.warn(`read replica test skipped: ${unavailable}`);
}

describe.skipIf(unavailable !== null)('dashboard reads on a streaming replica', () => {
  let cluster: ReplicaCluster;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await startReplicaCluster();
    t = await startTestApp({
      databaseUrl: cluster.primaryUrl,
      env: { DATABASE_READ_URL: cluster.standbyUrl },
    });
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  const get = async (token: string, path: string) => {
    const response = await t.request(path, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const runIds = async (token: string, slug: string) =>
    ((await get(token, `/api/v1/projects/${slug}/runs`)).items as RunDto[]).map((r) => r.id);

  it('serves uploads from the primary and the dashboard from the standby', async () => {
    const { project, token } = await createProject(t, 'Replica');
    const first = await uploadReport(t, token, reportBytes('basic'), {
      query: { pipeline: 'p1', branch: 'main' },
    });
    expect(first.status).toBe(201);
    const firstRun = ((await first.json()) as { run: RunDto }).run;
    await cluster.waitForReplay();
    expect(await runIds(token, project.slug)).toEqual([firstRun.id]);

    await cluster.pauseReplay();
    try {
      // The primary takes the upload and answers from what it just wrote.
      const second = await uploadReport(t, token, reportBytes('all-pass'), {
        query: { pipeline: 'p2', branch: 'main' },
      });
      expect(second.status).toBe(201);
      const secondRun = ((await second.json()) as { run: RunDto }).run;
      expect(secondRun.totals.total).toBeGreaterThan(0);
      // The standby has not seen it: the list comes from there.
      expect(await runIds(token, project.slug)).toEqual([firstRun.id]);
      const stats = await get(token, `/api/v1/projects/${project.slug}/stats`);
      expect(stats).toBeTruthy();

      await cluster.resumeReplay();
      await cluster.waitForReplay();
      expect(await runIds(token, project.slug)).toEqual([secondRun.id, firstRun.id]);
      const detail = await get(token, `/api/v1/runs/${secondRun.id}`);
      expect((detail.results as unknown[]).length).toBe(secondRun.totals.total);
    } finally {
      await cluster.resumeReplay();
    }
  });

  it('reads through connections of its own on the standby, which refuses writes', async () => {
    const standby = postgres(cluster.standbyUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await standby<{ recovering: boolean; clients: number }[]>`
        select pg_is_in_recovery() as recovering,
          (select count(*)::int from pg_stat_activity where application_name = 'flackyness') as clients`;
      expect(row).toEqual({ recovering: true, clients: expect.any(Number) });
      expect(row?.clients).toBeGreaterThan(0);
      await expect(standby`create table nothing (id int)`).rejects.toThrow(/read-only/);
    } finally {
      await standby.end();
    }
  });
});
