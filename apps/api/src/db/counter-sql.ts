/**
 * The counters the aggregate tables share and the SQL that combines them: one definition of each,
 * for the upload's counters, the commit flakes, the window's moves and the reads.
 */

/** The counters every aggregate table keeps (DESIGN.md §4; see schema.ts statCounters). */
export const counterColumns = [
  'runs',
  'expected_runs',
  'flaky_runs',
  'failed_runs',
  'skipped_runs',
  'commit_flakes',
  'duration_ms',
  'wasted_ms',
] as const;

/** The counters a part's results change directly (commit flakes are counted apart). */
export const deltaColumns = counterColumns.filter((c) => c !== 'commit_flakes');

/** `runs = s.runs + excluded.runs, …`: every counter of `target` combined with `source`'s. */
export function combineCounters(
  target: string,
  source: string,
  op: '+' | '-' = '+',
  columns: readonly string[] = counterColumns,
): string {
  return columns.map((c) => `${c} = ${target}.${c} ${op} ${source}.${c}`).join(', ');
}

/** flake_rate (DESIGN.md §4) from SQL expressions for runs and flaky events, capped at 1. */
export function flakeRateSql(runs: string, flakyEvents: string): string {
  return `case when ${runs} > 0 then least(1.0, (${flakyEvents})::float8 / (${runs})) else 0 end`;
}
