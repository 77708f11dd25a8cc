import type { Sql } from '../client.ts';
import { isActiveNow, type DefaultWindow } from './flaky-status.ts';

export interface QuarantinedTestRow {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  flakeRate: number;
  firstDetectedAt: Date | null;
  lastFlakyAt: Date | null;
}

/** Active flaky tests are quarantined (DESIGN.md §7): active as of now (flaky-status.ts). */
export async function listQuarantinedTests(
  sql: Sql,
  projectId: string,
  window: DefaultWindow,
): Promise<QuarantinedTestRow[]> {
  return sql<QuarantinedTestRow[]>`
    select t.id as "testId", t.title, t.title_path as "titlePath", t.file, t.project_name as "projectName",
      s.flake_rate as "flakeRate", s.first_detected_at as "firstDetectedAt", s.last_flaky_at as "lastFlakyAt"
    from test_stats s join tests t on t.id = s.test_id and t.project_id = ${projectId}
    where s.project_id = ${projectId} and ${isActiveNow(sql, window)}
    order by t.file, t.title_path, t.project_name`;
}
