import type { Sql } from '../client.ts';

/**
 * Why a test is or was flagged flaky, over a window (and branch): its latest flaky results and
 * the latest commits it both passed and failed on. Each reads one test's results of the window
 * through the (test_id, created_at) key, like its history, and answers at most `limit` rows.
 * Runs kept out of statistics by the mass-failure guard are left out, as they are of its figures.
 */
export interface ReasonScope {
  projectId: string;
  testId: string;
  /** First day (UTC) of the window. */
  since: string;
  branch?: string | undefined;
  limit: number;
}

export interface FlakyResultRow {
  runId: string;
  startedAt: Date;
  branch: string | null;
  commit: string | null;
  attempts: number;
}

/** The test's latest results with outcome flaky (failed, then passed on retry). */
export async function listFlakyResults(sql: Sql, scope: ReasonScope): Promise<FlakyResultRow[]> {
  return sql<FlakyResultRow[]>`
    select tr.run_id as "runId", tr.created_at as "startedAt", r.branch, r.commit, tr.attempts
    from test_results tr
    join runs r on r.id = tr.run_id and r.project_id = ${scope.projectId}
    where tr.test_id = ${scope.testId} and tr.project_id = ${scope.projectId}
      and tr.created_at >= ${scope.since}::timestamptz and tr.outcome = 'flaky'
      and not r.excluded_from_stats
      ${scope.branch !== undefined ? sql`and r.branch = ${scope.branch}` : sql``}
    order by tr.created_at desc, tr.run_id desc, tr.part_id desc, tr.repeat_index desc
    limit ${scope.limit}`;
}

export interface CommitFlakeRow {
  commit: string;
  /** The branch of the commit's latest result of the test. */
  branch: string | null;
  /** The latest run in which the test passed (expected or flaky) on the commit. */
  passedRunId: string;
  /** The latest run in which it failed (unexpected) on the commit. */
  failedRunId: string;
  lastSeenAt: Date;
}

/**
 * The test's commit flakes (DESIGN.md §4): commits on which it has both a passing (expected or
 * flaky) and an unexpected result inside the window, across runs and pipelines; under a branch
 * filter, both on that branch. Latest first.
 */
export async function listCommitFlakes(sql: Sql, scope: ReasonScope): Promise<CommitFlakeRow[]> {
  return sql<CommitFlakeRow[]>`
    with results as (
      select tr.run_id, tr.created_at, tr.outcome in ('expected', 'flaky') as passed, r.commit, r.branch
      from test_results tr
      join runs r on r.id = tr.run_id and r.project_id = ${scope.projectId}
      where tr.test_id = ${scope.testId} and tr.project_id = ${scope.projectId}
        and tr.created_at >= ${scope.since}::timestamptz and tr.outcome <> 'skipped'
        and r.commit is not null and not r.excluded_from_stats
        ${scope.branch !== undefined ? sql`and r.branch = ${scope.branch}` : sql``}
    ),
    commits as (
      select commit, max(created_at) as last_seen_at
      from results
      group by commit
      having bool_or(passed) and bool_or(not passed)
      order by last_seen_at desc, commit
      limit ${scope.limit}
    )
    select c.commit, c.last_seen_at as "lastSeenAt",
      (select x.branch from results x where x.commit = c.commit
        order by x.created_at desc, x.run_id desc limit 1) as branch,
      (select x.run_id from results x where x.commit = c.commit and x.passed
        order by x.created_at desc, x.run_id desc limit 1) as "passedRunId",
      (select x.run_id from results x where x.commit = c.commit and not x.passed
        order by x.created_at desc, x.run_id desc limit 1) as "failedRunId"
    from commits c
    order by c.last_seen_at desc, c.commit`;
}

export interface SiblingTestRow {
  testId: string;
  projectName: string;
}

/**
 * The same test (file and title path) in the project's other Playwright projects, by project
 * name: one range of tests_file_idx.
 */
export async function listSiblingTests(
  sql: Sql,
  projectId: string,
  testId: string,
  limit: number,
): Promise<SiblingTestRow[]> {
  return sql<SiblingTestRow[]>`
    select s.id as "testId", s.project_name as "projectName"
    from tests t
    join tests s on s.project_id = t.project_id and md5(s.file) = md5(t.file)
      and s.file = t.file and s.title_path = t.title_path and s.id <> t.id
    where t.id = ${testId} and t.project_id = ${projectId}
    order by s.project_name, s.id
    limit ${limit}`;
}
