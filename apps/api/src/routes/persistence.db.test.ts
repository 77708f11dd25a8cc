import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  adminHeaders,
  createProject,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
  type TestAppOptions,
} from '../../test/harness.ts';
import { reportPath, type ReportName } from '../../test/fixtures/reports.ts';

/** Data outlives a restart; deleting a project deletes all of its data and nothing else. */

const bytes = (name: ReportName) => readFileSync(reportPath(name));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface RunDetail {
  run: { id: string; projectId: string; branch: string | null; totals: { total: number } };
  parts: unknown[];
  results: unknown[];
}

async function upload(
  app: TestApp,
  token: string,
  name: ReportName,
  query: Record<string, string> = {},
) {
  const response = await uploadReport(app, token, bytes(name), { query });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return (JSON.parse(text) as { run: { id: string } }).run.id;
}

describe('restart persistence', () => {
  /** Starts the app, stores a run, closes it, starts it again on the same data, and reads back. */
  async function survivesRestart(options: TestAppOptions) {
    const name = `Persistent Project ${randomBytes(4).toString('hex')}`;
    const first = await startTestApp(options);
    let token: string;
    let projectId: string;
    let runId: string;
    try {
      const created = await createProject(first, name);
      token = created.token;
      projectId = created.project.id;
      runId = await upload(first, token, 'basic', { branch: 'main', pipeline: 'restart-1' });
    } finally {
      await first.close();
    }

    const second = await startTestApp(options);
    try {
      const run = await second.request(`/api/v1/runs/${runId}`, { headers: bearer(token) });
      expect(run.status).toBe(200);
      const detail = (await run.json()) as RunDetail;
      expect(detail.run).toMatchObject({
        id: runId,
        projectId,
        branch: 'main',
        totals: { total: 28 },
      });
      expect(detail.parts).toHaveLength(1);
      expect(detail.results).toHaveLength(28);
      const projects = await second.request('/api/v1/projects', { headers: bearer(token) });
      expect(projects.status).toBe(200);
      expect(JSON.stringify(await projects.json())).toContain(name);
      // The same report again is still recognised: the idempotency record persisted too.
      const again = await uploadReport(second, token, bytes('basic'), {
        query: { pipeline: 'restart-1' },
      });
      expect(again.status).toBe(200);
      // And the project still takes new uploads.
      expect(await upload(second, token, 'all-pass')).not.toBe(runId);
    } finally {
      await second.close();
    }
  }

  it.runIf(dbMode === 'embedded')(
    'keeps projects, tokens and runs in DATA_DIR across a restart',
    async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'flackyness-persist-'));
      try {
        await survivesRestart({ dataDir });
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  it.runIf(dbMode === 'postgres')(
    'keeps projects, tokens and runs in PostgreSQL across a restart',
    async () => {
      await survivesRestart({ databaseUrl: inject('postgresUrl') });
    },
  );
});

describe('deleting a project', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Rows of every table holding project data, by project_id (test_results also by run id). */
  async function rowsOf(projectId: string, runIds: string[]) {
    const sql = t.database.sql;
    const tables = [
      'runs',
      'run_parts',
      'tests',
      'test_results',
      'project_tokens',
      'test_daily_stats',
      'project_daily_stats',
      'test_commit_stats',
      'test_stats',
      'project_windows',
    ] as const;
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from ${sql(table)} where project_id = ${projectId}`;
      counts[table] = row?.n ?? -1;
    }
    const [byRun] = await sql<{ n: number }[]>`
      select count(*)::int as n from test_results where run_id in ${sql(runIds)}`;
    counts['test_results by run'] = byRun?.n ?? -1;
    return counts;
  }

  it('removes its runs, parts, tests and results, and retires its token', async () => {
    const doomed = await createProject(t);
    const kept = await createProject(t);
    const doomedRuns = [
      await upload(t, doomed.token, 'shard-1-of-2', { pipeline: 'd1', commit: 'aaa' }),
      await upload(t, doomed.token, 'shard-2-of-2', { pipeline: 'd1', commit: 'aaa' }),
      await upload(t, doomed.token, 'basic', { pipeline: 'd2', commit: 'bbb', branch: 'main' }),
    ];
    const keptRun = await upload(t, kept.token, 'basic', {
      pipeline: 'd1',
      commit: 'aaa',
      branch: 'main',
    });
    const keptBefore = await rowsOf(kept.project.id, [keptRun]);
    const doomedBefore = await rowsOf(doomed.project.id, doomedRuns);
    expect(doomedBefore).toMatchObject({
      runs: 2,
      run_parts: 3,
      tests: 28,
      test_results: 56,
      'test_results by run': 56,
    });
    expect(keptBefore).toMatchObject({ runs: 1, run_parts: 1, tests: 28, test_results: 28 });

    const response = await t.request(`/api/v1/admin/projects/${doomed.project.slug}`, {
      method: 'DELETE',
      headers: adminHeaders(t),
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');

    const after = await rowsOf(doomed.project.id, doomedRuns);
    expect(
      Object.values(after).every((n) => n === 0),
      JSON.stringify(after),
    ).toBe(true);
    expect(await rowsOf(kept.project.id, [keptRun])).toEqual(keptBefore);

    // The token is gone with the project.
    expect((await t.request('/api/v1/projects', { headers: bearer(doomed.token) })).status).toBe(
      401,
    );
    expect((await uploadReport(t, doomed.token, bytes('all-pass'))).status).toBe(401);
    // Its runs are gone for the admin too; the other project reads as before.
    for (const runId of doomedRuns) {
      expect((await t.request(`/api/v1/runs/${runId}`, { headers: adminHeaders(t) })).status).toBe(
        404,
      );
    }
    const keptDetail = await t.request(`/api/v1/runs/${keptRun}`, { headers: bearer(kept.token) });
    expect(keptDetail.status).toBe(200);
    expect(((await keptDetail.json()) as RunDetail).results).toHaveLength(28);
    // Deleting it again: there is nothing left to delete.
    const again = await t.request(`/api/v1/admin/projects/${doomed.project.id}`, {
      method: 'DELETE',
      headers: adminHeaders(t),
    });
    expect(again.status).toBe(404);
  });

  it('deletes by id as well as by slug, and only with the admin token', async () => {
    const { project, token } = await createProject(t);
    await upload(t, token, 'all-pass');
    const byProject = await t.request(`/api/v1/admin/projects/${project.id}`, {
      method: 'DELETE',
      headers: bearer(token),
    });
    expect(byProject.status).toBe(403);
    expect((await rowsOf(project.id, ['0'])).runs).toBe(1);
    const byId = await t.request(`/api/v1/admin/projects/${project.id}`, {
      method: 'DELETE',
      headers: adminHeaders(t),
    });
    expect(byId.status).toBe(204);
    expect((await rowsOf(project.id, ['0'])).runs).toBe(0);
  });
});
