import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../bench/synthetic-report.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';

/**
 * An upload is one transaction (DESIGN.md §8): the server killed (SIGKILL) in the middle of
 * storing a large report leaves nothing of it behind, and the same upload sent again after the
 * restart is stored once, whole; sent a third time, it is recognised and changes nothing.
 */

const ADMIN = 'admin-token-for-upload-kill-0123';
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let sql: postgres.Sql | undefined;
let server: RunningServer | undefined;

describe.skipIf(dbMode !== 'postgres')('the server killed during an upload', () => {
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await sql?.end();
    await database?.drop();
  });

  it('leaves no partial run, and the upload sent again is stored once', async () => {
    const db = sql as postgres.Sql;
    const env = {
      DATABASE_URL: (database as { url: string }).url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
    };
    server = await startServer({ env });
    const { project, token } = await createProjectOn(server.url, ADMIN, 'Killed upload');
    const body = JSON.stringify(
      syntheticReport({ tests: 20_000, startTime: new Date(Date.now() - 60_000), runIndex: 1 }),
    );
    const send = (url: string) =>
      fetch(`${url}/api/v1/reports?pipeline=kill-1&job=e2e&branch=main&commit=${'c'.repeat(40)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });

    const inFlight = send(server.url).then(
      (response) => response.status,
      () => 'connection lost' as const,
    );
    // Killed once the upload's transaction has written (it holds a transaction id).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await db<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and backend_xid is not null
          and pid <> pg_backend_pid()`;
      if ((row?.n ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error('the upload never began to write');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const port = server.port;
    await server.kill();
    expect(await inFlight).toBe('connection lost');

    // PostgreSQL rolls the dead connection's transaction back: nothing of the run is there.
    const counts = async () => {
      const [row] = await db<{ runs: number; parts: number; results: number }[]>`
        select
          (select count(*)::int from runs where project_id = ${project.id}) as runs,
          (select count(*)::int from run_parts where project_id = ${project.id}) as parts,
          (select count(*)::int from test_results where project_id = ${project.id}) as results`;
      return row;
    };
    server = await startServer({ env, port });
    expect(await counts()).toEqual({ runs: 0, parts: 0, results: 0 });

    const again = await send(server.url);
    expect(again.status).toBe(201);
    expect(await counts()).toEqual({ runs: 1, parts: 1, results: 20_000 });
    const third = await send(server.url);
    expect(third.status).toBe(200);
    expect(await counts()).toEqual({ runs: 1, parts: 1, results: 20_000 });
  });
});
