import type {
  PlaywrightAttemptStatus,
  PlaywrightReport,
  PlaywrightSpec,
  PlaywrightSuite,
  PlaywrightTest,
  PlaywrightTestError,
  PlaywrightTestResult,
} from '@flackyness/shared/playwright-report';
import { stripAnsi } from './ansi.ts';
import { errorSignature } from './error-signature.ts';
import { identityKey } from './test-identity.ts';
import type {
  AttemptStatus,
  NormalizedAttempt,
  NormalizedError,
  NormalizedReport,
  NormalizedResult,
  Outcome,
  Totals,
} from './types.ts';

export const MAX_ERROR_MESSAGE_LENGTH = 8 * 1024;
export const MAX_ERROR_STACK_LENGTH = 16 * 1024;

const OUTCOMES: ReadonlySet<string> = new Set<Outcome>([
  'expected',
  'unexpected',
  'flaky',
  'skipped',
]);

// Playwright's run-level error when --global-timeout hits ("Timed out waiting 1s for the test
// suite to run").
const GLOBAL_TIMEOUT_ERROR = /Timed out waiting/;

export interface NormalizeOptions {
  /** The uploader declared an `onlyFailures` report (the env-var form leaves no trace in it). */
  partial?: boolean;
}

/**
 * Turns a parsed Playwright JSON report into what ingest stores (see types.ts): one result per
 * test per project per repeat, keyed by the identity of DESIGN.md §4. Pure and single-pass.
 * Reads only the fields the schema declares, so config metadata, project `use`, stdio and
 * attachments never reach the output.
 */
export function normalizeReport(
  report: PlaywrightReport,
  options: NormalizeOptions = {},
): NormalizedReport {
  // Without stats the run's duration comes from the attempts' end times (a date parse each).
  const needsEnd = report.stats?.duration === undefined;
  const walker = new ReportWalker(report.config.rootDir, needsEnd);
  for (const fileSuite of report.suites) walker.walkFile(fileSuite);
  const { results } = walker;

  const stats = report.stats;
  const totals = totalsFromStats(stats) ?? countOutcomes(results);
  const startedAt = toCanonicalTime(stats?.startTime) ?? walker.earliestStart;
  const durationMs =
    stats?.duration !== undefined
      ? Math.round(stats.duration)
      : startedAt !== null && walker.latestEnd !== null
        ? Math.max(0, Math.round(walker.latestEnd - Date.parse(startedAt)))
        : 0;

  const errors: string[] = [];
  for (const error of report.errors ?? []) {
    const text = cap(
      stripAnsi(error.message ?? error.value ?? error.stack ?? ''),
      MAX_ERROR_MESSAGE_LENGTH,
    );
    if (text !== '') errors.push(text);
  }

  return {
    playwrightVersion: report.config.version ?? null,
    startedAt,
    durationMs,
    shard: report.config.shard
      ? { current: report.config.shard.current, total: report.config.shard.total }
      : null,
    partial: options.partial === true || hasOnlyFailuresReporter(report.config.reporter),
    totals,
    status: walker.interrupted
      ? 'interrupted'
      : errors.some((error) => GLOBAL_TIMEOUT_ERROR.test(error))
        ? 'timedout'
        : totals.unexpected > 0 || errors.length > 0
          ? 'failed'
          : 'passed',
    errors,
    results,
  };
}

/**
 * TestCase.outcome() as Playwright ≥ 1.44 computes it (reference §5): interrupted attempts and
 * "did not run" skips are ignored; a mix of passing and failing attempts is flaky, in any order.
 */
export function computeOutcome(
  results: readonly { status: AttemptStatus }[],
  expectedStatus: string,
): Outcome {
  let expected = 0;
  let unexpected = 0;
  let skipped = 0;
  for (const { status } of results) {
    if (status === 'interrupted') continue;
    if (status === 'skipped' && expectedStatus === 'skipped') skipped++;
    else if (status === 'skipped') continue;
    else if (status === expectedStatus) expected++;
    else unexpected++;
  }
  if (expected === 0 && unexpected === 0) return 'skipped';
  if (unexpected === 0) return 'expected';
  if (expected === 0 && skipped === 0) return 'unexpected';
  return 'flaky';
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

class ReportWalker {
  readonly results: NormalizedResult[] = [];
  /** Canonical ISO strings, so the earliest is also the smallest string. */
  earliestStart: string | null = null;
  latestEnd: number | null = null;
  interrupted = false;
  private readonly occurrences = new Map<string, number>();
  // Retries and tests broken by one cause repeat the same texts: strip and sign each text once.
  private readonly messages = new Map<string, { message: string; signature: string }>();
  private readonly stacks = new Map<string, string>();
  private readonly rootPrefix: string | null;

  constructor(
    rootDir: string | undefined,
    private readonly needsEnd: boolean,
  ) {
    const root = rootDir ? toPosix(rootDir).replace(/\/+$/, '') : '';
    this.rootPrefix = root === '' ? null : `${root}/`;
  }

  /** Top-level suites are files; their titles are not part of the title path. */
  walkFile(fileSuite: PlaywrightSuite): void {
    this.walkSuite(fileSuite, fileSuite.file ?? fileSuite.title, []);
  }

  private walkSuite(suite: PlaywrightSuite, file: string, describes: readonly string[]): void {
    for (const spec of suite.specs ?? []) this.addSpec(spec, spec.file ?? file, describes);
    for (const child of suite.suites ?? []) {
      // Anonymous describes are left out, as in Playwright's own titlePath().
      const titles = child.title === '' ? describes : [...describes, child.title];
      this.walkSuite(child, child.file ?? file, titles);
    }
  }

  private addSpec(spec: PlaywrightSpec, specFile: string, describes: readonly string[]): void {
    const file = this.relativeFile(specFile);
    const titlePath = [...describes, spec.title];
    const tags = normalizeTags(spec.tags);
    for (let index = 0; index < spec.tests.length; index++) {
      const test = spec.tests[index] as PlaywrightTest;
      const projectName = test.projectName ?? '';
      const key = identityKey(projectName, file, titlePath);
      const repeatIndex = this.occurrences.get(key) ?? 0;
      this.occurrences.set(key, repeatIndex + 1);
      // spec.id belongs to the spec's first test; the others' ids are not in the JSON.
      const playwrightId = index === 0 ? (spec.id ?? null) : null;
      this.results.push(
        this.toResult(spec, test, {
          projectName,
          file,
          titlePath,
          identityKey: key,
          repeatIndex,
          playwrightId,
          tags,
        }),
      );
    }
  }

  private toResult(
    spec: PlaywrightSpec,
    test: PlaywrightTest,
    identity: Identity,
  ): NormalizedResult {
    const expectedStatus = test.expectedStatus ?? 'passed';
    const results = test.results;
    let durationMs = 0;
    let failedDurationMs = 0;
    let earliest: string | null = null;
    let withError = false;
    for (const result of results) {
      const duration = result.duration ?? 0;
      durationMs += duration;
      if (isFailedAttempt(result.status, expectedStatus)) failedDurationMs += duration;
      if (result.status === 'interrupted') this.interrupted = true;
      if (result.error) withError = true;
      const start = toCanonicalTime(result.startTime);
      if (start === null) continue;
      if (earliest === null || start < earliest) earliest = start;
      if (this.needsEnd) {
        const end = Date.parse(start) + duration;
        if (this.latestEnd === null || end > this.latestEnd) this.latestEnd = end;
      }
    }
    if (earliest !== null && (this.earliestStart === null || earliest < this.earliestStart)) {
      this.earliestStart = earliest;
    }
    // Single clean attempts are the bulk of a report; they keep no per-attempt detail.
    const attemptDetails =
      results.length > 1 || withError
        ? results.map((result, index) => this.toAttempt(result, index))
        : null;
    // One literal in the order of the type, so every result shares one hidden class.
    return {
      projectName: identity.projectName,
      file: identity.file,
      titlePath: identity.titlePath,
      title: spec.title,
      identityKey: identity.identityKey,
      repeatIndex: identity.repeatIndex,
      playwrightId: identity.playwrightId,
      line: spec.line ?? null,
      column: spec.column ?? null,
      tags: identity.tags,
      expectedStatus,
      outcome:
        test.status !== undefined && OUTCOMES.has(test.status)
          ? (test.status as Outcome)
          : computeOutcome(results, expectedStatus),
      attempts: results.length,
      finalStatus: results.at(-1)?.status ?? null,
      durationMs: Math.round(durationMs),
      failedDurationMs: Math.round(failedDurationMs),
      startedAt: earliest,
      // The error that decided the result is the first error of the last attempt that has one.
      error: attemptDetails?.findLast((attempt) => attempt.error !== null)?.error ?? null,
      attemptDetails,
      annotations: test.annotations ? test.annotations.map(toAnnotation) : [],
    };
  }

  private toAttempt(result: PlaywrightTestResult, index: number): NormalizedAttempt {
    return {
      retry: result.retry ?? index,
      status: result.status,
      durationMs: Math.round(result.duration ?? 0),
      startedAt: toCanonicalTime(result.startTime),
      error: result.error ? this.normalizeError(result.error) : null,
    };
  }

  private normalizeError(error: PlaywrightTestError): NormalizedError {
    const raw = error.message ?? error.value ?? firstLine(error.stack) ?? '';
    let known = this.messages.get(raw);
    if (known === undefined) {
      const message = cap(stripAnsi(raw), MAX_ERROR_MESSAGE_LENGTH);
      known = { message, signature: errorSignature(message) };
      this.messages.set(raw, known);
    }
    let stack: string | null = null;
    if (error.stack !== undefined) {
      stack = this.stacks.get(error.stack) ?? null;
      if (stack === null) {
        stack = cap(stripAnsi(error.stack), MAX_ERROR_STACK_LENGTH);
        this.stacks.set(error.stack, stack);
      }
    }
    return { message: known.message, stack, signature: known.signature };
  }

  /** Files are keyed relative to rootDir with forward slashes, whatever the OS of the run. */
  private relativeFile(file: string): string {
    const posix = toPosix(file);
    if (this.rootPrefix !== null && posix.startsWith(this.rootPrefix)) {
      return posix.slice(this.rootPrefix.length);
    }
    return posix.startsWith('./') ? posix.slice(2) : posix;
  }
}

type Identity = Pick<
  NormalizedResult,
  'projectName' | 'file' | 'titlePath' | 'identityKey' | 'repeatIndex' | 'playwrightId' | 'tags'
>;

/** Annotation locations are absolute paths of the CI machine: only type and description stay. */
function toAnnotation({
  type,
  description,
}: {
  type: string;
  description?: unknown;
}): NormalizedResult['annotations'][number] {
  if (description === undefined || description === null) return { type };
  return {
    type,
    description: typeof description === 'string' ? description : JSON.stringify(description),
  };
}

/** An attempt that failed the test: neither the expected status nor a skip or interruption. */
function isFailedAttempt(status: PlaywrightAttemptStatus, expectedStatus: string): boolean {
  return status !== expectedStatus && status !== 'skipped' && status !== 'interrupted';
}

function normalizeTags(tags: readonly string[] | undefined): string[] {
  if (!tags || tags.length === 0) return [];
  const unique = new Set<string>();
  for (const tag of tags) {
    const name = tag.startsWith('@') ? tag.slice(1) : tag;
    if (name !== '') unique.add(name);
  }
  return [...unique];
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

// Playwright writes Date.toISOString() output; anything else is rewritten into that form.
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The time as a canonical ISO string (comparable as a string), or null when unreadable. */
function toCanonicalTime(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (CANONICAL_ISO.test(text)) return text;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n', 1)[0];
}

function toPosix(path: string): string {
  return path.includes('\\') ? path.replaceAll('\\', '/') : path;
}

/** Cuts long text without splitting a surrogate pair, marking the cut with an ellipsis. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}
