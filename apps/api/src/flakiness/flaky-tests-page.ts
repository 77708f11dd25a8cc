import type { Sql } from '../db/client.ts';
import {
  listFlakyTests,
  listWindowFlips,
  readResultsVersion,
  type FlakyTestQuery,
  type FlakyTestRow,
  type WindowSpec,
} from '../db/queries/flaky-tests.ts';
import type { FlakyTestItem } from '@flackyness/shared/api';
import { flipRateCacheOf } from './flip-rate-cache.ts';
import { failRate, flipRate, wilsonInterval } from './model.ts';

/** An item of the flaky-tests list, in the API's words (packages/shared, as the dashboard reads it). */
export type { FlakyTestItem };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Flip rates of the given tests over the window: consecutive results compared per branch. Those
 * computed since the project's results last changed come from the cache (flip-rate-cache.ts).
 */
export async function readFlipRates(
  sql: Sql,
  projectId: string,
  testIds: readonly string[],
  window: WindowSpec,
): Promise<Map<string, number>> {
  if (testIds.length === 0) return new Map();
  const scope = window.branch === undefined ? 'all' : `branch ${window.branch}`;
  const keyOf = (version: string) => [projectId, version, window.startDay, scope].join('\u0000');
  const cache = flipRateCacheOf(sql);
  const { known, missing } = cache.lookup(keyOf(await readResultsVersion(sql, projectId)), testIds);
  if (missing.length === 0) return known;

  // Kept under the version they were counted at (it may be newer than the one just read).
  const { version, flips } = await listWindowFlips(sql, projectId, missing, window);
  const perBranch = new Map<string, { flips: number; results: number }[]>();
  for (const row of flips) {
    const branches = perBranch.get(row.testId) ?? [];
    branches.push(row);
    perBranch.set(row.testId, branches);
  }
  // A test without results in the window has rate 0, and is remembered as such.
  const computed = new Map(missing.map((id) => [id, flipRate(perBranch.get(id) ?? [])]));
  cache.store(keyOf(version), computed);
  for (const [id, rate] of computed) known.set(id, rate);
  return known;
}

/** The 95% interval of a test's flake rate: flaky runs and commit flakes out of its runs. */
export function flakeRateInterval(row: Pick<FlakyTestRow, 'runs' | 'flakyRuns' | 'commitFlakes'>): {
  low: number;
  high: number;
} {
  return wilsonInterval(Math.min(row.runs, row.flakyRuns + row.commitFlakes), row.runs);
}

export function toFlakyTestItem(row: FlakyTestRow, flips: number): FlakyTestItem {
  const counts = {
    runs: row.runs,
    flakyRuns: row.flakyRuns,
    failedRuns: row.failedRuns,
    commitFlakes: row.commitFlakes,
  };
  const interval = flakeRateInterval(row);
  return {
    testId: row.testId,
    title: row.title,
    titlePath: row.titlePath,
    file: row.file,
    projectName: row.projectName,
    ...counts,
    flakeRate: row.flakeRate,
    flakeRateLow: interval.low,
    flakeRateHigh: interval.high,
    failRate: failRate(counts),
    flipRate: flips,
    wastedMs: row.wastedMs,
    status: row.status,
    resolution: row.resolution,
    firstDetectedAt: iso(row.firstDetectedAt),
    lastFlakyAt: iso(row.lastFlakyAt),
    resolvedAt: iso(row.resolvedAt),
    lastSeenAt: iso(row.lastSeenAt),
  };
}

/** One page of the flaky-tests list, each item with its rates, interval and flip rate. */
export async function readFlakyTestsPage(
  sql: Sql,
  projectId: string,
  query: FlakyTestQuery,
): Promise<{ rows: FlakyTestRow[]; items: FlakyTestItem[] }> {
  // Up to limit + 1 rows: the extra one only says whether a next page exists.
  const rows = await listFlakyTests(sql, projectId, query);
  const kept = rows.slice(0, query.limit);
  const flips = await readFlipRates(
    sql,
    projectId,
    kept.map((r) => r.testId),
    query.window,
  );
  return { rows, items: kept.map((row) => toFlakyTestItem(row, flips.get(row.testId) ?? 0)) };
}
