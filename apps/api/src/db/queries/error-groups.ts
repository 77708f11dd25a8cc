import type { Sql } from '../client.ts';

export interface ErrorGroupRow {
  signature: string;
  /** The most recent message with this signature. */
  message: string;
  failures: number;
  tests: number;
  runs: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  sampleTests: { testId: string; title: string; file: string; projectName: string }[];
}

/**
 * Failures in the window grouped by error signature, most frequent first. Reads only failing
 * rows of the window's partitions, through test_results_errors_idx.
 */
export async function listErrorGroups(
  sql: Sql,
  options: { projectId: string; since: string; limit: number; offset: number },
): Promise<ErrorGroupRow[]> {
  return sql<ErrorGroupRow[]>`
    with failures as (
      select tr.error_signature, tr.error_message, tr.test_id, tr.run_id, tr.created_at
      from test_results tr
      where tr.project_id = ${options.projectId} and tr.created_at >= ${options.since}::timestamptz
        and tr.error_signature is not null
    ),
    groups as (
      select error_signature as signature, count(*)::int as failures,
        count(distinct test_id)::int as tests, count(distinct run_id)::int as runs,
        min(created_at) as first_seen_at, max(created_at) as last_seen_at
      from failures group by error_signature
      order by failures desc, signature
      limit ${options.limit + 1} offset ${options.offset}
    )
    select g.signature, g.failures, g.tests, g.runs, g.first_seen_at as "firstSeenAt",
      g.last_seen_at as "lastSeenAt",
      (select f.error_message from failures f where f.error_signature = g.signature
        order by f.created_at desc limit 1) as message,
      (select coalesce(jsonb_agg(jsonb_build_object('testId', t.id::text, 'title', t.title, 'file', t.file,
          'projectName', t.project_name)), '[]')
        from (select distinct test_id from failures f where f.error_signature = g.signature limit 5) s
        join tests t on t.id = s.test_id and t.project_id = ${options.projectId}) as "sampleTests"
    from groups g
    order by g.failures desc, g.signature`;
}

export interface TestErrorGroupRow {
  signature: string;
  /** The most recent message with this signature. */
  message: string;
  failures: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** The run of that most recent failure. */
  lastRunId: string;
}

/**
 * One test's failures in the window (and branch) grouped by error signature, most frequent first:
 * the test's results of the window through the (test_id, created_at) key.
 */
export async function listTestErrorGroups(
  sql: Sql,
  options: {
    projectId: string;
    testId: string;
    since: string;
    branch?: string | undefined;
    limit: number;
  },
): Promise<TestErrorGroupRow[]> {
  const { branch } = options;
  return sql<TestErrorGroupRow[]>`
    with failures as (
      select tr.error_signature, tr.error_message, tr.run_id, tr.created_at
      from test_results tr
      ${branch !== undefined ? sql`join runs r on r.id = tr.run_id and r.project_id = ${options.projectId}` : sql``}
      where tr.test_id = ${options.testId} and tr.project_id = ${options.projectId}
        and tr.created_at >= ${options.since}::timestamptz and tr.error_signature is not null
        ${branch !== undefined ? sql`and r.branch = ${branch}` : sql``}
    ),
    groups as (
      select error_signature as signature, count(*)::int as failures,
        min(created_at) as first_seen_at, max(created_at) as last_seen_at
      from failures group by error_signature
      order by failures desc, last_seen_at desc, signature
      limit ${options.limit}
    )
    select g.signature, g.failures, g.first_seen_at as "firstSeenAt", g.last_seen_at as "lastSeenAt",
      latest.error_message as message, latest.run_id as "lastRunId"
    from groups g
    cross join lateral (
      select f.error_message, f.run_id from failures f where f.error_signature = g.signature
      order by f.created_at desc, f.run_id desc limit 1
    ) latest
    order by g.failures desc, g.last_seen_at desc, g.signature`;
}
