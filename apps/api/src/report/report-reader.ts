import {
  INT4_MAX,
  playwrightSuiteSchema,
  type PlaywrightReport,
  type PlaywrightReportOutline,
} from '@flackyness/shared/playwright-report';
import { stripAnsi } from './ansi.ts';
import { InvalidReportError } from './invalid-report-error.ts';
import { MAX_ERROR_MESSAGE_LENGTH, ReportWalker, toCanonicalTime } from './report-walker.ts';
import { cap, toSafeText } from '../domain/safe-text.ts';
import type { NormalizedReport, NormalizedResult, ReportHeader, Totals } from '../domain/report.ts';

// Playwright's run-level error when --global-timeout hits ("Timed out waiting 1s for the test
// suite to run").
const GLOBAL_TIMEOUT_ERROR = /Timed out waiting/;

/** Far more describe levels than a test suite has; far fewer than the stack can take. */
export const MAX_SUITE_DEPTH = 200;

/** Whether `suites` nest deeper than `max` below this suite; iterative, so any depth is safe. */
function suiteDepthOver(suite: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[suite, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (depth > max) return true;
    const children = (node as { suites?: unknown } | null)?.suites;
    if (Array.isArray(children)) for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}

export interface NormalizeOptions {
  /** The uploader declared an `onlyFailures` report (the env-var form leaves no trace in it). */
  partial?: boolean;
}

/**
 * Reads a Playwright JSON report into what ingest stores (domain/report.ts): the report-level facts,
 * then the results a batch of file suites at a time, so that ingest can store one batch while the
 * next is being normalised. Each file suite is parsed with the zod schema when it is read: an
 * invalid one throws InvalidReportError. Pure.
 */
export class ReportReader {
  /**
   * Known before any test is read when the report has complete stats (Playwright 1.40+); only
   * its status can still change, to 'interrupted' (see `finish`). Null without stats: then the
   * start, duration and totals come from the tests, known once every batch was taken.
   */
  readonly header: ReportHeader | null;
  private readonly walker: ReportWalker;
  private readonly errors: string[];
  private nextSuite = 0;

  constructor(
    private readonly report: PlaywrightReportOutline,
    private readonly options: NormalizeOptions = {},
  ) {
    const stats = report.stats;
    // Without stats the run's duration comes from the attempts' end times (a date parse each).
    this.walker = new ReportWalker(report.config.rootDir, stats?.duration === undefined);
    this.errors = runErrors(report);
    const totals = totalsFromStats(stats);
    const startedAt = toCanonicalTime(stats?.startTime);
    this.header =
      totals && startedAt !== null && stats?.duration !== undefined
        ? this.headerOf(totals, startedAt, Math.round(stats.duration))
        : null;
  }

  /** The report field the run's start is read from, for an error that names it. */
  get startTimeField(): string {
    return toCanonicalTime(this.report.stats?.startTime) !== null
      ? 'stats.startTime'
      : 'suites[].specs[].tests[].results[].startTime';
  }

  /** The results of the next file suites: at least `size` of them, fewer only at the end. */
  take(size: number): NormalizedResult[] {
    const { results } = this.walker;
    const start = results.length;
    const suites = this.report.suites;
    while (this.nextSuite < suites.length && results.length - start < size) {
      const index = this.nextSuite++;
      // The schema (and the walker) recurse into describe blocks: a nesting deep enough to
      // overflow the stack is refused before either reads it.
      if (suiteDepthOver(suites[index], MAX_SUITE_DEPTH)) {
        throw new InvalidReportError([
          {
            path: ['suites', index],
            message: `describe blocks are nested more than ${MAX_SUITE_DEPTH} levels deep`,
          },
        ]);
      }
      const suite = playwrightSuiteSchema.safeParse(suites[index]);
      if (!suite.success) {
        throw new InvalidReportError(
          suite.error.issues.map((issue) => ({ ...issue, path: ['suites', index, ...issue.path] })),
        );
      }
      this.walker.walkFile(suite.data, index);
    }
    return results.slice(start);
  }

  /** The whole report; reads whatever was not taken yet. */
  finish(): NormalizedReport {
    this.take(Infinity);
    const { walker } = this;
    const stats = this.report.stats;
    const totals = totalsFromStats(stats) ?? countOutcomes(walker.results);
    const startedAt = toCanonicalTime(stats?.startTime) ?? walker.earliestStart;
    const durationMs =
      stats?.duration !== undefined
        ? Math.round(stats.duration)
        : startedAt !== null && walker.latestEnd !== null
          ? Math.max(0, Math.round(walker.latestEnd - Date.parse(startedAt)))
          : 0;
    if (durationMs > INT4_MAX) {
      throw new InvalidReportError([
        {
          path: ['suites'],
          message: `the attempts span more than ${INT4_MAX} ms, from the first start to the last end`,
        },
      ]);
    }
    return { ...this.headerOf(totals, startedAt, durationMs), results: walker.results };
  }

  private headerOf(totals: Totals, startedAt: string | null, durationMs: number): ReportHeader {
    const { config } = this.report;
    const { errors } = this;
    return {
      playwrightVersion: config.version === undefined ? null : toSafeText(config.version),
      startedAt,
      durationMs,
      shard: config.shard ? { current: config.shard.current, total: config.shard.total } : null,
      partial: this.options.partial === true || hasOnlyFailuresReporter(config.reporter),
      totals,
      status: this.walker.interrupted
        ? 'interrupted'
        : errors.some((error) => GLOBAL_TIMEOUT_ERROR.test(error))
          ? 'timedout'
          : totals.unexpected > 0 || errors.length > 0
            ? 'failed'
            : 'passed',
      errors,
    };
  }
}

/** The whole report at once (see ReportReader). */
export function normalizeReport(
  report: PlaywrightReport | PlaywrightReportOutline,
  options: NormalizeOptions = {},
): NormalizedReport {
  return new ReportReader(report, options).finish();
}

/** Run-level errors (report.errors), ANSI stripped and capped. */
function runErrors(report: PlaywrightReportOutline): string[] {
  const errors: string[] = [];
  for (const error of report.errors ?? []) {
    const text = toSafeText(
      cap(stripAnsi(error.message ?? error.value ?? error.stack ?? ''), MAX_ERROR_MESSAGE_LENGTH),
    );
    if (text !== '') errors.push(text);
  }
  return errors;
}

/** Whether the JSON reporter ran with `onlyFailures` (1.65+), which drops passing tests. */
function hasOnlyFailuresReporter(reporter: unknown): boolean {
  if (!Array.isArray(reporter)) return false;
  return reporter.some(
    (entry: unknown) =>
      Array.isArray(entry) &&
      entry[0] === 'json' &&
      typeof entry[1] === 'object' &&
      entry[1] !== null &&
      (entry[1] as { onlyFailures?: unknown }).onlyFailures === true,
  );
}

function totalsFromStats(stats: PlaywrightReport['stats']): Totals | null {
  if (!stats) return null;
  const { expected, unexpected, flaky, skipped } = stats;
  if (
    expected === undefined ||
    unexpected === undefined ||
    flaky === undefined ||
    skipped === undefined
  ) {
    return null;
  }
  return { total: expected + unexpected + flaky + skipped, expected, unexpected, flaky, skipped };
}

function countOutcomes(results: readonly NormalizedResult[]): Totals {
  const totals: Totals = { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (const result of results) totals[result.outcome]++;
  totals.total = totals.expected + totals.unexpected + totals.flaky + totals.skipped;
  return totals;
}
