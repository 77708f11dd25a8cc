import type { PlaywrightReport, PlaywrightSuite } from '@flackyness/shared/playwright-report';

/**
 * The report as if its run had started at `startAt`: `stats.startTime` and every attempt's
 * `startTime` move by the same amount, so durations and the order of attempts are kept. Fields the
 * type does not name are carried over as they are; the report passed in is not changed.
 */
export function shiftReportTime<Report extends PlaywrightReport>(
  report: Report,
  startAt: Date,
): Report {
  const start = reportStart(report);
  if (start === undefined) throw new Error('The report has no start time to shift');
  const deltaMs = startAt.getTime() - start;
  const shift = (time: string | undefined) =>
    time === undefined ? undefined : new Date(Date.parse(time) + deltaMs).toISOString();
  const shiftSuite = (suite: PlaywrightSuite): PlaywrightSuite => ({
    ...suite,
    ...(suite.specs && {
      specs: suite.specs.map((spec) => ({
        ...spec,
        tests: spec.tests.map((test) => ({
          ...test,
          results: test.results.map((result) =>
            result.startTime === undefined
              ? result
              : { ...result, startTime: shift(result.startTime) },
          ),
        })),
      })),
    }),
    ...(suite.suites && { suites: suite.suites.map(shiftSuite) }),
  });
  return {
    ...report,
    ...(report.stats && { stats: { ...report.stats, startTime: shift(report.stats.startTime) } }),
    suites: report.suites.map(shiftSuite),
  };
}

/** `stats.startTime`, or for a report without stats (before 1.39) its first attempt's start. */
function reportStart(report: PlaywrightReport): number | undefined {
  if (report.stats?.startTime !== undefined) return Date.parse(report.stats.startTime);
  let earliest: number | undefined;
  const visit = (suite: PlaywrightSuite): void => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        for (const result of test.results) {
          if (result.startTime === undefined) continue;
          const at = Date.parse(result.startTime);
          if (earliest === undefined || at < earliest) earliest = at;
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  report.suites.forEach(visit);
  return earliest;
}
