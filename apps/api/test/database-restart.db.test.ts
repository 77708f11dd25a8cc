import { afterAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../bench/synthetic-report.ts';
import { dbMode } from './harness.ts';
import {
  createPrivateCluster,
  privateClusterAvailable,
  type PrivateCluster,
} from './private-cluster.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';
import { SseReader } from './sse-client.ts';

const ADMIN = 'admin-restart-0123456789abcdef';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * PostgreSQL restarted under a running server, which is not restarted: on a server of the test's
 * own (test/private-cluster.ts), never the shared one the other tests use.
 */
describe.skipIf(dbMode !== 'postgres' || !privateClusterAvailable)('a PostgreSQL restart', () => {
  let cluster: PrivateCluster | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await cluster?.destroy();
  });

  it('is ridden out: ready again by itself, streams fan out again, metrics show the outage', async () => {
    cluster = await createPrivateCluster();
    server = await startServer({
      env: {
        DATABASE_URL: cluster.url,
        ADMIN_TOKEN: ADMIN,
        SERVE_DASHBOARD: 'false',
        SCM_POLL_MS: '200',
        // Small pools: more requests during the outage than each pool has connections.
        DATABASE_POOL_SIZE: '2',
      },
    });
    const { url } = server;
    const admin = { authorization: `Bearer ${ADMIN}` };
    const { project, token } = await createProjectOn(url, ADMIN, 'Restarted');
    const stream = new SseReader(
      await fetch(`${url}/api/v1/projects/${project.id}/stream`, { headers: admin }),
    );
    const upload = async (pipeline: string, runIndex: number) => {
      const response = await fetch(`${url}/api/v1/reports?pipeline=${pipeline}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(syntheticReport({ tests: 20, startTime: new Date(), runIndex })),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { run: { id: string } }).run.id;
    };
    const announced = (runId: string) =>
      stream.until((s) =>
        s.of<{ run: { id: string } }>('run-updated').some((m) => m.run.id === runId),
      );
    await announced(await upload('before', 1));

    await cluster.stop();
    const down = await until('/ready answers 503', async () => {
      const response = await fetch(`${url}/ready`);
      return response.status === 503 ? response : undefined;
    });
    expect(await down.json()).toEqual({
      error: { code: 'service_unavailable', message: 'Database unreachable' },
    });
    const during = await (await fetch(`${url}/metrics`)).text();
    expect(during).toMatch(/^flackyness_database_up 0$/m);
    expect(during).toMatch(/^flackyness_database_check_failures_total\{check="ready"\} [1-9]/m);
    // An upload meanwhile is refused as unavailable (retry later), not as a server fault.
    const refused = await fetch(`${url}/api/v1/reports?pipeline=during`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(syntheticReport({ tests: 20, startTime: new Date(), runIndex: 3 })),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    // Reads meanwhile too; each tried a connection that failed, more than the pools hold.
    const read = () =>
      fetch(`${url}/api/v1/projects/${project.slug}/runs`, {
        headers: admin,
        signal: AbortSignal.timeout(10_000),
      });
    for (let i = 0; i < 5; i++) expect((await read()).status).toBe(503);

    await cluster.start();
    await until('/ready answers 200', async () =>
      (await fetch(`${url}/ready`)).status === 200 ? true : undefined,
    );
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^flackyness_database_up 1$/m);
    // Every pool has its connections back: a failed connection attempt never keeps its place.
    await until('reads answer 200 again', async () =>
      (await read()).status === 200 ? true : undefined,
    );
    // The LISTEN connection is back: an upload's note reaches the stream opened before.
    await announced(await upload('after', 2));
    expect(stream.ended).toBe(false);
    await stream.close();

    await server.stop();
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/unhandled|uncaught/i);
  });
});
