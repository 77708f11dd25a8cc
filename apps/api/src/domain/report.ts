/**
 * What ingest makes of one Playwright JSON report: everything the database needs, nothing it must
 * not keep (no raw config, no attachment bodies). Produced by `normalizeReport` (pure).
 */

/** Playwright's test-level verdict, TestCase.outcome(). */
export type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

/** Status of one attempt (TestResult.status). */
export type AttemptStatus = 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';

export interface Totals {
  total: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
}

export interface NormalizedError {
  /** ANSI-stripped message (or the thrown value for non-Error throws), capped in length. */
  message: string;
  /** ANSI-stripped stack, capped; null when absent. */
  stack: string | null;
  /** Normalised error signature (see errorSignature): groups the same failure across runs. */
  signature: string;
}

export interface NormalizedAttempt {
  retry: number;
  status: AttemptStatus;
  durationMs: number;
  startedAt: string | null;
  error: NormalizedError | null;
}

export interface NormalizedResult {
  /** Test identity, DESIGN.md §4: Playwright project name, file relative to rootDir (posix), and
   *  the describe titles (anonymous ones left out) followed by the test title. */
  projectName: string;
  file: string;
  titlePath: string[];
  title: string;
  /** The identity as one string, JSON.stringify([projectName, file, titlePath]) (test-identity.ts). */
  identityKey: string;
  /** Occurrence index of this identity within the report (`--repeat-each`, merged duplicates). */
  repeatIndex: number;
  playwrightId: string | null;
  line: number | null;
  column: number | null;
  /** Tags without the leading '@'. */
  tags: readonly string[];
  expectedStatus: string;
  outcome: Outcome;
  /** Number of attempts (results[].length). */
  attempts: number;
  finalStatus: AttemptStatus | null;
  /** Sum of all attempt durations, ms (integer). */
  durationMs: number;
  /** Sum of durations of attempts whose status was neither the expected one nor skipped/interrupted. */
  failedDurationMs: number;
  /** Earliest attempt start, ISO; null when the test never started. */
  startedAt: string | null;
  /** The error that decided the result: the last failing attempt's first error; null if none. */
  error: NormalizedError | null;
  /** Attempts with their statuses/errors, kept only when there is more than one, or one failed. */
  attemptDetails: NormalizedAttempt[] | null;
  annotations: readonly { type: string; description?: string }[];
}

export interface NormalizedReport {
  playwrightVersion: string | null;
  /** stats.startTime, else the earliest attempt start, else null (aborted before any test). */
  startedAt: string | null;
  /** stats.duration rounded, else last attempt end − startedAt, else 0. */
  durationMs: number;
  /** config.shard, null when unsharded or merged. */
  shard: { current: number; total: number } | null;
  /** A JSON reporter `onlyFailures` report (detected from config.reporter). */
  partial: boolean;
  /** Playwright's own counts: stats where present (1.40+), else counted from test statuses. */
  totals: Totals;
  /** 'failed' when any result is unexpected or there are run-level errors; 'interrupted' when an
   *  attempt was interrupted; 'timedout' when a run-level error says the global timeout hit. */
  status: 'passed' | 'failed' | 'interrupted' | 'timedout';
  /** Run-level errors (report.errors), ANSI stripped. */
  errors: string[];
  results: NormalizedResult[];
}

/** What ingest stores of a report besides its results. */
export type ReportHeader = Omit<NormalizedReport, 'results'>;
