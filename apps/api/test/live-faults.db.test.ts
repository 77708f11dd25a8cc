import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaywright } from '../../../packages/playwright-reporter/test/run-playwright.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { ensureReporterBuilt, liveFixtureDir, reporterEntry } from './live-reporter.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';

/**
 * The reporter's run survives its server (DESIGN.md §6): the server is killed (SIGKILL) in the
 * middle of a real Playwright run and started again; the run keeps its own result and exit code,
 * nothing is thrown into it, and the run on the server completes once the server is back.
 */

const ADMIN = 'admin-token-for-live-faults-0123';
const config = join(liveFixtureDir, 'playwright.config.ts');
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let sql: postgres.Sql | undefined;
let server: RunningServer | undefined;

describe.skipIf(dbMode !== 'postgres')('the server killed mid-run', () => {
  beforeAll(async () => {
    ensureReporterBuilt();
    database = await createIsolatedDatabase();
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await sql?.end();
    await database?.drop();
  });

  it('the run passes with its own exit code, and is stored complete after the restart', async () => {
    const env = {
      DATABASE_URL: (database as { url: string }).url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
    };
    server = await startServer({ env });
    const { token } = await createProjectOn(server.url, ADMIN, 'Faults');
    const db = sql as postgres.Sql;

    const running = runPlaywright({
      config,
      reporters: ['line', reporterEntry],
      env: {
        FLACKYNESS_URL: server.url,
        FLACKYNESS_TOKEN: token,
        FLACKYNESS_FLUSH_INTERVAL_MS: '200',
        FLACKYNESS_MAX_BATCH_SIZE: '4',
      },
    });
    // Killed once the first events are stored, started again on the same address.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await db<
        { count: number }[]
      >`select count(*)::int as count from live_events where kind = 'test-end'`;
      if ((row?.count ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error('no event reached the server');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const port = server.port;
    await server.kill();
    // Gone for real: nothing answers on its address until it is started again.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    server = await startServer({ env, port });

    const run = await running;
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/TypeError|ReferenceError|Unhandled|uncaught/i);
    expect(run.stdout).toContain('16 passed');

    const [stored] = await db<{ status: string; total: number; source: string }[]>`
      select status, total, source from runs`;
    expect(stored).toEqual({ status: 'passed', total: 16, source: 'live' });
    const [{ results }] =
      (await db`select count(*)::int as results from test_results`) as unknown as [
        { results: number },
      ];
    expect(results).toBe(16);
  });
});
