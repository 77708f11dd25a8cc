/**
 * The live ingest protocol (DESIGN.md §6) as plain types, so the published package needs no zod.
 * The schemas in @flackyness/shared/ingest are the contract; protocol.typetest.ts keeps these
 * types and those schemas' inputs assignable both ways.
 */

export type CiProvider =
  'github' | 'gitlab' | 'azure' | 'jenkins' | 'circleci' | 'buildkite' | 'local';

export interface LiveCi {
  provider?: CiProvider;
  repository?: string;
  branch?: string;
  commit?: string;
  /** The pull/merge request number. */
  pr?: number | string;
  runUrl?: string;
  /** CI pipeline (or workflow run) id: with `job`, names the run an upload of the same job joins. */
  pipeline?: string;
  job?: string;
}

export interface Shard {
  current: number;
  total: number;
}

export interface LiveSetup {
  runName?: string;
  framework: 'playwright';
  reporterVersion: string;
  playwrightVersion?: string;
  totalTests: number;
  environment?: string;
  shard?: Shard | null;
  /** ISO 8601. */
  startedAt?: string;
  ci?: LiveCi;
}

export interface LiveSetupAnswer {
  sessionId: string;
  runId: string;
  /** The run's dashboard page. */
  url: string;
}

export type AttemptStatus = 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
export type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

export interface TestError {
  message?: string;
  stack?: string;
  value?: string;
}

export interface Annotation {
  type: string;
  description?: string;
}

/** A test's identity and place, as the JSON reporter would write them. */
export interface TestFields {
  testId: string;
  title: string;
  /** Describe titles (anonymous ones left out) then the test title: no project, no file. */
  titlePath: string[];
  /** Relative to config.rootDir, with forward slashes. */
  file: string;
  line?: number;
  column?: number;
  projectName: string;
}

export interface TestBeginEvent extends TestFields {
  type: 'test-begin';
  retry: number;
  startTime?: string;
}

export interface TestEndEvent extends TestFields {
  type: 'test-end';
  retry: number;
  status: AttemptStatus;
  duration: number;
  startTime?: string;
  error?: TestError;
  expectedStatus: AttemptStatus;
  outcome: Outcome;
  willRetry: boolean;
  tags?: string[];
  annotations?: Annotation[];
  order: number;
  specId: string;
}

export interface LogEvent {
  type: 'log';
  testId?: string;
  retry?: number;
  stream: 'stdout' | 'stderr';
  chunk: string;
}

export interface StatusEvent {
  type: 'status';
  error: TestError;
}

export type LiveEvent = TestBeginEvent | TestEndEvent | LogEvent | StatusEvent;

export interface LiveEventBatch {
  sessionId: string;
  seq: number;
  events: LiveEvent[];
}

export interface NotRunTest extends TestFields {
  expectedStatus: AttemptStatus;
  tags?: string[];
  annotations?: Annotation[];
  order: number;
  specId: string;
}

export type RunStatus = 'passed' | 'failed' | 'timedout' | 'interrupted';

export interface LiveTeardown {
  sessionId: string;
  status: RunStatus;
  summary?: {
    startTime?: string;
    duration?: number;
    lastSeq?: number | null;
    notRun?: NotRunTest[];
  };
}

/** The largest log chunk one event carries. */
export const MAX_LOG_CHUNK = 64 * 1024;
/** The most events one batch may carry. */
export const MAX_EVENTS_PER_BATCH = 1000;
