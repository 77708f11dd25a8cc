import type { TestSibling } from '@flackyness/shared/api';
import type { Sql } from '../db/client.ts';
import { listFlakyTests, type WindowSpec } from '../db/queries/flaky-tests.ts';
import { listSiblingTests } from '../db/queries/test-reason.ts';
import { toFlakyTestItem } from './flaky-tests-page.ts';
import { wilsonInterval } from './model.ts';

/** More Playwright projects than any config has: a bound, not a page. */
const MAX_SIBLINGS = 100;

/**
 * The same test (file and title path) in the project's other Playwright projects, by project name,
 * each with its figures over the window, read as the flaky-tests list reads them so they agree.
 */
export async function readSiblingStats(
  sql: Sql,
  projectId: string,
  testId: string,
  window: WindowSpec,
): Promise<TestSibling[]> {
  const siblings = await listSiblingTests(sql, projectId, testId, MAX_SIBLINGS);
  if (siblings.length === 0) return [];
  const rows = await listFlakyTests(sql, projectId, {
    window,
    status: 'any',
    testIds: siblings.map((s) => s.testId),
    sort: 'title',
    order: 'asc',
    limit: siblings.length,
  });
  // The flip rate is not part of a sibling's figures: it is not read.
  const items = new Map(rows.map((row) => [row.testId, toFlakyTestItem(row, 0)]));
  return siblings.map(({ testId: id, projectName }) => {
    const item = items.get(id);
    // A test without statistics has no counted result: nothing in the window.
    const { low, high } = wilsonInterval(0, 0);
    return {
      testId: id,
      projectName,
      runs: item?.runs ?? 0,
      flakyRuns: item?.flakyRuns ?? 0,
      failedRuns: item?.failedRuns ?? 0,
      flakeRate: item?.flakeRate ?? 0,
      flakeRateLow: item?.flakeRateLow ?? low,
      flakeRateHigh: item?.flakeRateHigh ?? high,
      status: item?.status ?? null,
    };
  });
}
