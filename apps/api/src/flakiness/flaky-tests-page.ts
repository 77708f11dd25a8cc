import type { Sql } from '../db/client.ts';
import {
  listFlakyTests,
  listWindowOutcomes,
  type FlakyTestQuery,
  type FlakyTestRow,
  type WindowSpec,
} from '../db/queries/flaky-tests.ts';
import type { FlakyTestItem } from '@flackyness/shared/api';
import type { Outcome } from '../domain/report.ts';
import { countFlips, failRate, flipRate, wilsonInterval } from './model.ts';

/** An item of the flaky-tests list, in the API's words (packages/shared, as the dashboard reads it). */
export type { FlakyTestItem };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Flip rates of the given tests over the window: consecutive results compared per branch. */
export async function readFlipRates(
  sql: Sql,
  projectId: string,
  testIds: readonly string[],
  window: WindowSpec,
): Promise<Map<string, number>> {
  const sequences = new Map<string, Map<string, Outcome[]>>();
  for (const row of await listWindowOutcomes(sql, projectId, testIds, window)) {
    const branches = sequences.get(row.testId) ?? new Map<string, Outcome[]>();
    const outcomes = branches.get(row.branch) ?? [];
    outcomes.push(row.outcome);
    branches.set(row.branch, outcomes);
    sequences.set(row.testId, branches);
  }
  const rates = new Map<string, number>();
  for (const [testId, branches] of sequences) {
    rates.set(testId, flipRate([...branches.values()].map(countFlips)));
  }
  return rates;
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
