import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_SHA } from './deliveries.ts';
import { loadReport } from './fixtures/reports.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { seedPull } from './scm-fakes/core.ts';
import { startFakeGithub, type FakeGithub } from './scm-fakes/github.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';

/**
 * The outbox is durable (DESIGN.md §7): the server is killed (SIGKILL) while a delivery waits for
 * its next attempt after a 503; after the restart the delivery is sent, once.
 */

const ADMIN = 'admin-token-for-outbox-restart-01';
const TOKEN = 'ghp_restart_test_token_0123456789';
const REPO = 'acme/restart';
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let sql: postgres.Sql | undefined;
let server: RunningServer | undefined;
let fake: FakeGithub | undefined;

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(dbMode !== 'postgres')('the server killed in the middle of a retry', () => {
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
    fake = await startFakeGithub({ token: TOKEN });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await sql?.end();
    await database?.drop();
    await fake?.close();
  });

  it('sends the delivery once after the restart', async () => {
    const github = fake as FakeGithub;
    const db = sql as postgres.Sql;
    const env = {
      DATABASE_URL: (database as { url: string }).url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SCM_POLL_MS: '100',
      SCM_DEBOUNCE_MS: '0',
      // Long enough to kill the server while the retry waits; short enough for a test.
      SCM_RETRY_BASE_MS: '4000',
      SCM_RETRY_MAX_MS: '4000',
    };
    server = await startServer({ env });
    const { project, token } = await createProjectOn(server.url, ADMIN, 'Outbox restart');
    const connected = await fetch(
      `${server.url}/api/v1/admin/projects/${project.slug}/integrations/github`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ token: TOKEN, baseUrl: github.baseUrl, repository: REPO }),
      },
    );
    expect(connected.status).toBe(201);
    seedPull(github.state, REPO, { number: 5, headSha: HEAD_SHA });
    github.failNext('issues/create-comment', { status: 503, body: { message: 'Unavailable' } });

    const query = new URLSearchParams({
      commit: HEAD_SHA,
      branch: 'feature/restart',
      ciProvider: 'github',
      pr: '5',
      pipeline: 'restart-1',
    });
    const uploaded = await fetch(`${server.url}/api/v1/reports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(loadReport('basic')),
    });
    expect(uploaded.status).toBe(201);

    // The first attempt met the 503: the delivery waits for its next attempt. Kill the server now.
    await until('the failed attempt', async () => {
      const [row] = await db<{ state: string; attempts: number }[]>`
        select state, attempts from scm_deliveries`;
      return row?.state === 'pending' && row.attempts === 1;
    });
    const port = server.port;
    await server.kill();
    expect(github.commentsOf(REPO, 5)).toHaveLength(0);

    server = await startServer({ env, port });
    await until('the delivery', async () => {
      const [row] = await db<{ state: string }[]>`select state from scm_deliveries`;
      return row?.state === 'delivered';
    });
    const creates = github.requests.filter((r) => r.operationId === 'issues/create-comment');
    expect(creates).toHaveLength(2);
    expect(github.commentsOf(REPO, 5)).toHaveLength(1);
    expect(github.state.repos.get(REPO)?.statuses).toHaveLength(1);
    // And nothing more after a while: the delivery is done for good.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(github.commentsOf(REPO, 5)).toHaveLength(1);
    expect(github.violations).toEqual([]);
  });
});
