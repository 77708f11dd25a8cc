/**
 * The read API's response shapes (shared/DESIGN.md §5), as the dashboard consumes them. Ids are
 * strings, times ISO 8601 UTC, lists `{ items, nextCursor }`.
 */

export type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';
export type RunStatus = 'passed' | 'failed' | 'interrupted' | 'timedout' | 'running' | 'cancelled';
export type RunSource = 'upload' | 'live';
/** A test that was never flaky has no status (null). */
export type FlakyStatus = 'active' | 'resolved' | null;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export type Viewer =
  | { kind: 'admin' }
  | { kind: 'project'; projectId: string; projectSlug: string; projectName: string };

export interface SessionCreated {
  session: string;
  expiresAt: string;
  viewer: Viewer;
}

export interface SessionInfo {
  viewer: Viewer;
  expiresAt: string | null;
}

export interface Project {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface Totals {
  total: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
}

export interface TrendDay {
  day: string;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
  skippedRuns: number;
  wastedMs: number;
  flakeRate: number;
}

export interface ProjectStats {
  projectId: string;
  days: number;
  branch: string | null;
  totalTests: number;
  activeFlaky: number;
  fixedThisWeek: number;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
  skippedRuns: number;
  wastedMs: number;
  durationMs: number;
  flakeRate: number;
  flakeRateLow: number;
  flakeRateHigh: number;
  trend: TrendDay[];
}

export interface FlakyTestItem {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
  flakeRate: number;
  flakeRateLow: number;
  flakeRateHigh: number;
  failRate: number;
  flipRate: number;
  wastedMs: number;
  status: FlakyStatus;
  /** Why a resolved test was resolved: 'clean-runs' or 'aged-out'; null otherwise. */
  resolution: 'clean-runs' | 'aged-out' | null;
  firstDetectedAt: string | null;
  lastFlakyAt: string | null;
  resolvedAt: string | null;
  lastSeenAt: string | null;
}

export interface Run {
  id: string;
  projectId: string;
  status: RunStatus;
  source: RunSource;
  branch: string | null;
  commit: string | null;
  pipeline: string | null;
  job: string | null;
  ciProvider: string | null;
  repository: string | null;
  pr: string | null;
  runUrl: string | null;
  environment: string | null;
  runName: string | null;
  playwrightVersion: string | null;
  reporterVersion?: string | null;
  /** A live run's progress from its reporter's events; null for an upload. */
  live?: LiveProgress | null;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  parts: number;
  excludedFromStats: boolean;
  createdAt: string;
  updatedAt: string;
  url: string;
}

/** How far a live run (source "live") has come, summed over its reporters (one per shard). */
export interface LiveProgress {
  /** Tests the reporters announced (onBegin), the progress bar's 100%. */
  totalTests: number;
  /** Tests whose last attempt ended, by outcome. */
  finished: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
  /** Reporter sessions (shards) still sending / all of them. */
  runningSessions: number;
  sessions: number;
  reporterVersion: string | null;
  lastEventAt: string | null;
}

/**
 * Server-Sent Events of `GET /api/v1/runs/:runId/stream` (every kind) and
 * `GET /api/v1/projects/:project/stream` (`run-updated` only). Each SSE message's `event:` is the
 * kind and its `data:` the JSON below; its `id:` resumes the stream (Last-Event-ID).
 */
export interface StreamRunUpdated {
  run: Run;
}

export interface StreamTestBegin {
  testId: string;
  retry: number;
  title: string;
  titlePath: string[];
  file: string;
  line: number | null;
  projectName: string;
  startTime: string | null;
}

export interface StreamTestEnd extends StreamTestBegin {
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  durationMs: number;
  outcome: Outcome;
  expectedStatus: string;
  /** Playwright runs the test again: the outcome is not final yet. */
  willRetry: boolean;
  /** The attempt's error message, ANSI stripped. */
  error: string | null;
}

export interface StreamLog {
  testId: string | null;
  retry: number | null;
  stream: 'stdout' | 'stderr';
  /** As the test wrote it, ANSI colours included: render them as colours, never as HTML. */
  chunk: string;
}

export type StreamEvent =
  | { kind: 'run-updated'; id: string; data: StreamRunUpdated }
  | { kind: 'test-begin'; id: string; data: StreamTestBegin }
  | { kind: 'test-end'; id: string; data: StreamTestEnd }
  | { kind: 'log'; id: string; data: StreamLog };

export interface RunPart {
  id: string;
  shard: string | null;
  status: RunStatus;
  partial: boolean;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  errors: unknown;
  uploadedAt: string;
}

export interface AttemptDetail {
  status?: string;
  durationMs?: number;
  retry?: number;
  startedAt?: string | null;
  error?: { message?: string; stack?: string } | null;
}

export interface ResultFields {
  repeatIndex: number;
  outcome: Outcome;
  expectedStatus: string;
  attempts: number;
  finalStatus: string;
  durationMs: number;
  failedDurationMs: number;
  error: { message: string; signature: string | null } | null;
  attemptDetails: AttemptDetail[] | null;
  annotations: { type: string; description?: string }[];
}

export interface RunResult extends ResultFields {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
}

export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped';

/** A run's summary to its pull/merge request: a sticky comment and a commit status. */
export interface RunDelivery {
  id: string;
  provider: 'github' | 'gitlab' | 'azure';
  repository: string;
  pr: string;
  commit: string | null;
  state: DeliveryState;
  attempts: number;
  /** When the next attempt is due (pending or sending only). */
  nextAttemptAt: string | null;
  /** Why it was skipped or failed, or the last error of one being retried. */
  reason: string | null;
  httpStatus: number | null;
  commentUrl: string | null;
  statusState: 'pending' | 'success' | 'failure' | 'error' | null;
  deliveredAt: string | null;
  updatedAt: string;
}

export interface RunDetail {
  run: Run;
  parts: RunPart[];
  results: RunResult[];
  /** The run's pull/merge request summaries (DESIGN.md §7). */
  deliveries: RunDelivery[];
}

export interface TestInfo {
  id: string;
  projectId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  tags: string[];
  playwrightId: string | null;
  line: number | null;
  column: number | null;
  firstSeenAt: string;
}

export interface TestSibling {
  testId: string;
  projectName: string;
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  flakeRate: number;
  flakeRateLow: number;
  flakeRateHigh: number;
  status: FlakyStatus;
}

export interface FlakyRunReason {
  runId: string;
  startedAt: string;
  branch: string | null;
  commit: string | null;
  attempts: number;
  url: string;
}

export interface CommitFlakeReason {
  commit: string;
  branch: string | null;
  passedRunId: string;
  failedRunId: string;
  lastSeenAt: string;
}

export interface TestDetail {
  test: TestInfo;
  days: number;
  branch: string | null;
  stats: FlakyTestItem | null;
  siblings: TestSibling[];
  reason: { flakyRuns: FlakyRunReason[]; commitFlakes: CommitFlakeReason[] };
}

export interface HistoryEntry extends ResultFields {
  runId: string;
  startedAt: string;
  branch: string | null;
  commit: string | null;
  runStatus: RunStatus;
  excludedFromStats: boolean;
  ciRunUrl: string | null;
  url: string;
}

export interface TestErrorGroup {
  signature: string;
  message: string;
  failures: number;
  firstSeenAt: string;
  lastSeenAt: string;
  lastRunId: string;
}

export interface ErrorGroup {
  signature: string;
  message: string;
  failures: number;
  tests: number;
  runs: number;
  firstSeenAt: string;
  lastSeenAt: string;
  sampleTests: { testId: string; title: string; file: string; projectName: string }[];
}
