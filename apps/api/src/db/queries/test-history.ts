import type { Sql } from '../client.ts';
import { resultFields, type StoredResultFields } from './result-fields.ts';

export interface TestRow {
  id: string;
  projectId: string;
  projectName: string;
  file: string;
  title: string;
  titlePath: string[];
  playwrightId: string | null;
  line: number | null;
  column: number | null;
  tags: string[];
  firstSeenAt: Date;
}

export async function getTest(sql: Sql, testId: string): Promise<TestRow | undefined> {
  if (!/^\d{1,18}$/.test(testId)) return undefined;
  const [row] = await sql<TestRow[]>`
    select id, project_id as "projectId", project_name as "projectName", file, title,
      title_path as "titlePath", playwright_id as "playwrightId", line, "column", tags,
      first_seen_at as "firstSeenAt"
    from tests where id = ${testId}`;
  return row;
}

export interface HistoryRow extends StoredResultFields {
  runId: string;
  partId: string;
  branch: string | null;
  commit: string | null;
  ciRunUrl: string | null;
  runStatus: string;
  excludedFromStats: boolean;
}

/**
 * A test's results, newest first, through the (test_id, created_at) index; keyset-paginated on the
 * full key of a result, since one run holds several of a test's results (`--repeat-each`, parts
 * that started at the same time).
 */
export async function listTestHistory(
  sql: Sql,
  options: {
    projectId: string;
    testId: string;
    since: string;
    branch?: string | undefined;
    limit: number;
    after?: { createdAt: string; runId: string; partId: string; repeatIndex: number } | undefined;
  },
): Promise<HistoryRow[]> {
  return sql<HistoryRow[]>`
    select tr.run_id as "runId", tr.part_id as "partId", ${resultFields(sql)},
      r.branch, r.commit, r.run_url as "ciRunUrl", r.status as "runStatus",
      r.excluded_from_stats as "excludedFromStats"
    from test_results tr
    join runs r on r.id = tr.run_id and r.project_id = ${options.projectId}
    where tr.test_id = ${options.testId} and tr.project_id = ${options.projectId}
      and tr.created_at >= ${options.since}::timestamptz
      ${options.branch !== undefined ? sql`and r.branch = ${options.branch}` : sql``}
      ${
        options.after
          ? sql`and (tr.created_at, tr.run_id, tr.part_id, tr.repeat_index) < (${options.after.createdAt}::timestamptz,
              ${options.after.runId}::bigint, ${options.after.partId}::bigint, ${options.after.repeatIndex}::smallint)`
          : sql``
      }
    order by tr.created_at desc, tr.run_id desc, tr.part_id desc, tr.repeat_index desc
    limit ${options.limit + 1}`;
}
