import type { Sql } from '../client.ts';
import { containsPattern } from '../like-pattern.ts';
import type { Outcome } from '../../domain/report.ts';
import { resultFields } from './result-fields.ts';
import type { RunResultRow } from './runs.ts';

export interface RunResultPageRow extends RunResultRow {
  partId: string;
}

export interface RunResultFilters {
  outcome?: Outcome | undefined;
  /** Case-insensitive substring of the title, file or title path. */
  q?: string | undefined;
  limit: number;
  /** The last result of the previous page; its test gives the file, title path and project. */
  after?: { outcome: Outcome; testId: string; repeatIndex: number; partId: string } | undefined;
}

/**
 * One page of a run's results: what needs a look first (unexpected, flaky, skipped, expected),
 * then by file, title path, Playwright project, repeat index and part, which orders them totally
 * (a test is one (file, title path, project); a part holds one result per repeat index). Reads the
 * run's rows through test_results_run_idx; keyset-paginated on that order.
 */
export async function listRunResultsPage(
  sql: Sql,
  projectId: string,
  runId: string,
  filters: RunResultFilters,
): Promise<RunResultPageRow[]> {
  // The outcome's place in the order, from 1 (unexpected) to 4 (expected).
  const ranks = () => sql.unsafe(`array['unexpected','flaky','skipped','expected']::outcome[]`);
  const pattern = filters.q ? containsPattern(filters.q) : undefined;
  const { after } = filters;
  // A position naming a test that does not exist compares as null: the page is empty.
  const keyset = after
    ? sql`and (array_position(${ranks()}, tr.outcome), t.file, t.title_path, t.project_name, tr.repeat_index, tr.part_id) > (
        select array_position(${ranks()}, ${after.outcome}::outcome), a.file, a.title_path, a.project_name,
          ${after.repeatIndex}::smallint, ${after.partId}::bigint
        from tests a where a.id = ${after.testId}::bigint and a.project_id = ${projectId})`
    : sql``;
  return sql<RunResultPageRow[]>`
    select tr.test_id as "testId", tr.part_id as "partId", t.project_name as "projectName", t.file,
      t.title, t.title_path as "titlePath", ${resultFields(sql)}
    from test_results tr
    join tests t on t.id = tr.test_id and t.project_id = ${projectId}
    where tr.run_id = ${runId} and tr.project_id = ${projectId}
      ${filters.outcome ? sql`and tr.outcome = ${filters.outcome}::outcome` : sql``}
      ${
        pattern
          ? sql`and (t.title ilike ${pattern} or t.file ilike ${pattern}
              or array_to_string(t.title_path, ' ') ilike ${pattern})`
          : sql``
      }
      ${keyset}
    order by array_position(${ranks()}, tr.outcome), t.file, t.title_path, t.project_name, tr.repeat_index, tr.part_id
    limit ${filters.limit + 1}`;
}
