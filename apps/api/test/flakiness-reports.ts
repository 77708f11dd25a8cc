/**
 * Raw Playwright JSON reports as the flakiness tests read them, independently of the app's parser:
 * one result per test, moved in time, and the days of a window. Imports nothing from src/.
 */

export type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

interface RawAttempt {
  status: string;
  duration: number;
  startTime: string;
  error?: { message?: string; value?: string };
}
interface RawSpec {
  title: string;
  file: string;
  tests: {
    projectName: string;
    status: string;
    expectedStatus: string;
    results: RawAttempt[];
    annotations?: { type: string; description?: unknown }[];
  }[];
}
interface RawSuite {
  title: string;
  specs?: RawSpec[];
  suites?: RawSuite[];
}
export interface RawReport {
  config: { shard?: { current: number; total: number } | null; [key: string]: unknown };
  suites: RawSuite[];
  stats: { startTime: string; duration: number } & Record<
    Exclude<Outcome, 'skipped'> | 'skipped',
    number
  >;
  errors?: unknown[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Noon (UTC) `daysAgo` days before today, plus `seconds`. */
export function noon(daysAgo: number, seconds = 0, now = new Date()): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - daysAgo * DAY_MS + 12 * 3_600_000 + seconds * 1000);
}

/** First day (YYYY-MM-DD, UTC) of a window of `days` days ending today. */
export function startDay(days: number, now = new Date()): string {
  return dayOf(new Date(now.getTime() - (days - 1) * DAY_MS));
}

/** Every day from `first` to today, oldest first. */
export function daysFrom(first: string, now = new Date()): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${first}T00:00:00Z`); dayOf(new Date(d)) <= dayOf(now); d += DAY_MS) {
    out.push(dayOf(new Date(d)));
  }
  return out;
}

function visitTests(report: RawReport, visit: (spec: RawSpec, describes: string[]) => void) {
  const walk = (suite: RawSuite, describes: string[]) => {
    for (const spec of suite.specs ?? []) visit(spec, describes);
    for (const child of suite.suites ?? []) {
      walk(child, child.title === '' ? describes : [...describes, child.title]);
    }
  };
  for (const file of report.suites) walk(file, []);
}

/** A copy of the report moved in time so that it starts at `start` (attempts move along). */
export function placeAt(report: RawReport, start: Date): RawReport {
  const copy = structuredClone(report);
  const delta = start.getTime() - Date.parse(report.stats.startTime);
  copy.stats.startTime = start.toISOString();
  visitTests(copy, (spec) => {
    for (const a of spec.tests.flatMap((test) => test.results)) {
      a.startTime = new Date(Date.parse(a.startTime) + delta).toISOString();
    }
  });
  return copy;
}

export interface RefResult {
  key: string;
  projectName: string;
  file: string;
  titlePath: string[];
  title: string;
  outcome: Outcome;
  expectedStatus: string;
  attempts: number;
  finalStatus: string | null;
  durationMs: number;
  failedDurationMs: number;
  errorMessage: string | null;
  annotations: { type: string; description?: string }[];
  attemptList: {
    retry: number;
    status: string;
    durationMs: number;
    startedAt: string;
    error: string | null;
  }[];
}

// eslint-disable-next-line no-control-regex -- colour codes are control sequences
const stripColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const messageOf = (e: RawAttempt['error']) => (e ? stripColours(e.message ?? e.value ?? '') : null);

export const testKey = (projectName: string, file: string, titlePath: readonly string[]) =>
  JSON.stringify([projectName, file, titlePath]);

/** One result per test of the report, read straight from the JSON. */
export function resultsOf(report: RawReport): RefResult[] {
  const out: RefResult[] = [];
  visitTests(report, (spec, describes) => {
    const titlePath = [...describes, spec.title];
    for (const test of spec.tests) {
      const sum = (attempts: RawAttempt[]) =>
        Math.round(attempts.reduce((s, a) => s + a.duration, 0));
      const failed = test.results.filter(
        (a) => ![test.expectedStatus, 'skipped', 'interrupted'].includes(a.status),
      );
      out.push({
        key: testKey(test.projectName, spec.file, titlePath),
        projectName: test.projectName,
        file: spec.file,
        titlePath,
        title: spec.title,
        outcome: test.status as Outcome,
        expectedStatus: test.expectedStatus,
        attempts: test.results.length,
        finalStatus: test.results.at(-1)?.status ?? null,
        durationMs: sum(test.results),
        failedDurationMs: sum(failed),
        errorMessage: messageOf(test.results.filter((a) => a.error).at(-1)?.error),
        annotations: (test.annotations ?? []).map(({ type, description }) =>
          description === undefined
            ? { type }
            : {
                type,
                description:
                  typeof description === 'string' ? description : JSON.stringify(description),
              },
        ),
        attemptList: test.results.map((a, retry) => ({
          retry,
          status: a.status,
          durationMs: Math.round(a.duration),
          startedAt: new Date(a.startTime).toISOString(),
          error: messageOf(a.error),
        })),
      });
    }
  });
  return out;
}
