import type { JSONReport, JSONReportSuite, JSONReportTest } from '@playwright/test/reporter';

/** One test of a JSON report, in the report's depth-first order (a suite's specs, then its
 *  child suites), with what the JSON says about it. */
export interface ReportTest {
  order: number;
  file: string;
  titlePath: string[];
  projectName: string;
  specId: string;
  test: JSONReportTest;
}

export function walkJsonReport(report: JSONReport): ReportTest[] {
  const tests: ReportTest[] = [];
  const walk = (suite: JSONReportSuite, describes: string[]) => {
    for (const spec of suite.specs) {
      for (const test of spec.tests) {
        tests.push({
          order: tests.length,
          file: spec.file,
          titlePath: [...describes, spec.title],
          projectName: test.projectName,
          specId: spec.id,
          test,
        });
      }
    }
    for (const child of suite.suites ?? []) {
      walk(child, child.title === '' ? describes : [...describes, child.title]);
    }
  };
  for (const fileSuite of report.suites) walk(fileSuite, []);
  return tests;
}
