import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../../bench/synthetic-report.ts';
import {
  adminHeaders,
  createIsolatedDatabase,
  createProject,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { ReportReader } from '../report/report-reader.ts';
import { ingestReport } from '../upload/ingest-report.ts';
import { ProjectGone } from '../upload/project-lock.ts';
import type { PlaywrightReportOutline } from '@flackyness/shared/playwright-report';

/** Deleting a project deletes all its data (DESIGN.md §3), even with an upload of it in flight. */

/** Every table holding project data. */
const TABLES = [
  'test_results',
  'tests',
  'test_stats',
  'test_daily_stats',
  'project_daily_stats',
  'test_commit_stats',
  'runs',
  'run_parts',
  'project_windows',
  'project_tokens',
];

async function rowsLeft(t: TestApp, projectId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await t.database.sql.unsafe<{ n: number }[]>(
      `select count(*)::int as n from ${table} where project_id = $1`,
      [projectId],
    );
    counts[table] = row?.n ?? -1;
  }
  return counts;
}

const nothing = Object.fromEntries(TABLES.map((table) => [table, 0]));

const deleteProject = (t: TestApp, id: string) =>
  t.request(`/api/v1/admin/projects/${id}`, { method: 'DELETE', headers: adminHeaders(t) });

describe('project deletion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves no row of the project in any table, and its token stops working', async () => {
    const { project, token } = await createProject(t);
    const response = await uploadReport(t, token, loadReport('basic'), {
      query: { pipeline: 'p1', commit: 'c1', branch: 'main' },
    });
    expect(response.status).toBe(201);
    expect((await rowsLeft(t, project.id)).test_results).toBeGreaterThan(0);

    expect((await deleteProject(t, project.id)).status).toBe(204);
    expect(await rowsLeft(t, project.id)).toEqual(nothing);
    const again = await uploadReport(t, token, loadReport('all-pass'));
    expect(again.status).toBe(401);
  });

  it('refuses an upload whose project was deleted after its token was checked', async () => {
    const { project } = await createProject(t);
    expect((await deleteProject(t, project.id)).status).toBe(204);
    const report = new ReportReader(loadReport('basic') as PlaywrightReportOutline);
    const upload = ingestReport(t.database.sql, {
      projectId: project.id,
      report,
      meta: { job: '' },
      contentHash: 'deleted-project',
      settings: { windowDays: 30, threshold: 0.05, resolveAfterRuns: 20, massFailureRatio: 0.8 },
      now: new Date(),
      retentionMonths: 12,
    });
    await expect(upload).rejects.toBeInstanceOf(ProjectGone);
    expect(await rowsLeft(t, project.id)).toEqual(nothing);
  });
});

describe.skipIf(dbMode !== 'postgres')('project deletion during an upload', () => {
  it('waits for the upload in flight, then deletes everything it stored', async () => {
    // A database of its own: the only transactions in it are this test's.
    const isolated = await createIsolatedDatabase();
    const t = await startTestApp({ databaseUrl: isolated.url });
    const watcher = t.database.connect();
    try {
      const { project, token } = await createProject(t);
      const report = syntheticReport({ tests: 10_000, startTime: new Date(), runIndex: 1 });
      const finished: string[] = [];
      const upload = uploadReport(t, token, report, {
        query: { pipeline: 'big', commit: 'c1', branch: 'main' },
      }).then((response) => {
        finished.push('upload');
        return response;
      });
      // The upload's transaction has written (its project lock gives it a transaction id).
      for (;;) {
        const [row] = await watcher<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and backend_xid is not null
            and pid <> pg_backend_pid()`;
        if ((row?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const deletion = deleteProject(t, project.id).then((response) => {
        finished.push('delete');
        return response;
      });
      const [uploaded, deleted] = await Promise.all([upload, deletion]);
      // The upload stored everything (a deletion that had not waited would have failed it), and
      // the deletion then removed it all. Which answer reaches the client first is not the point:
      // both come after the upload's commit, and the upload's answer does more work after it.
      expect(uploaded.status).toBe(201);
      expect(deleted.status).toBe(204);
      expect(finished.sort()).toEqual(['delete', 'upload']);
      expect(await rowsLeft(t, project.id)).toEqual(nothing);

      const after = await uploadReport(t, token, loadReport('basic'));
      expect(after.status).toBe(401);
    } finally {
      await watcher.end();
      await t.close();
      await isolated.drop();
    }
  });
});
