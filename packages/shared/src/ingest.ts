import { z } from 'zod';
import { INT4_MAX, SMALLINT_MAX, playwrightTestErrorSchema } from './playwright-report.ts';

/**
 * The live ingest protocol (DESIGN.md §6) between @flackyness/playwright-reporter and the server:
 * `POST /api/v1/ingest/setup`, `/event` and `/teardown`. The reporter has no runtime dependencies
 * and declares the same shapes as plain types (packages/playwright-reporter/src/protocol.ts); a
 * type test there keeps the two equal.
 *
 * What teardown stores must equal the upload of the same run's JSON report, so `test-end` carries
 * every field the JSON reporter writes for an attempt and for its test, and the reporter works out
 * where the JSON reporter would have put each test (`order`, `specId`).
 *
 * Objects are strict: a misspelt field is refused, not dropped.
 */

const int = (max: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(max, `must be at most ${max}`);
const milliseconds = z
  .number()
  .min(0, 'must not be negative')
  .max(INT4_MAX, `must be at most ${INT4_MAX} ms`);
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** The largest log chunk one event carries; the reporter splits longer output. */
export const MAX_LOG_CHUNK = 64 * 1024;
/** The most events one batch carries (the reporter sends 50 by default). */
export const MAX_EVENTS_PER_BATCH = 1000;

export const ciProviderNames = [
  'github',
  'gitlab',
  'azure',
  'jenkins',
  'circleci',
  'buildkite',
  'local',
] as const;

/** The CI context, as the reporter detects it (the same metadata an upload sends). */
export const liveCiSchema = z.strictObject({
  provider: z.enum(ciProviderNames).optional(),
  repository: text(255).optional(),
  branch: text(255).optional(),
  commit: text(64).optional(),
  /** The pull/merge request number. */
  pr: z.union([int(9_999_999_999), z.string().regex(/^\d{1,10}$/, 'must be a number')]).optional(),
  runUrl: text(2048).optional(),
  /** CI pipeline (or workflow run) id: with `job`, names the run an upload of the same job joins. */
  pipeline: text(255).optional(),
  job: text(255).optional(),
});

export const shardSchema = z
  .strictObject({ current: int(9999).min(1, 'must be at least 1'), total: int(9999).min(1) })
  .refine((s) => s.current <= s.total, 'current must be at most total');

export const liveSetupSchema = z.strictObject({
  runName: text(255).optional(),
  framework: z.literal('playwright'),
  reporterVersion: text(50),
  /** Playwright's version (config.version). */
  playwrightVersion: text(50).optional(),
  /** Tests the run will report (rootSuite.allTests().length): the progress bar's 100%. */
  totalTests: int(INT4_MAX),
  environment: text(100).optional(),
  shard: shardSchema.nullable().optional(),
  /** When the run started (onBegin); the server's time when absent. */
  startedAt: isoTime.optional(),
  ci: liveCiSchema.default({}),
});

const attemptStatus = z.enum(['passed', 'failed', 'timedOut', 'skipped', 'interrupted']);
const outcome = z.enum(['expected', 'unexpected', 'flaky', 'skipped']);
const annotation = z.strictObject({
  type: text(1024),
  description: text(16 * 1024).optional(),
});

/** A test's identity and place, as the JSON reporter would write them. */
const testFields = {
  /** Playwright's TestCase.id: stable within the run. */
  testId: text(200).min(1),
  title: text(4096),
  /** Describe titles (anonymous ones left out) then the test title: no project, no file. */
  titlePath: z.array(text(4096)).max(100),
  /** Relative to config.rootDir, with forward slashes. */
  file: text(4096),
  line: int(INT4_MAX).optional(),
  column: int(INT4_MAX).optional(),
  projectName: text(1024),
};

export const testBeginEventSchema = z.strictObject({
  type: z.literal('test-begin'),
  ...testFields,
  retry: int(SMALLINT_MAX),
  startTime: isoTime.optional(),
});

export const testEndEventSchema = z.strictObject({
  type: z.literal('test-end'),
  ...testFields,
  /** This attempt. */
  retry: int(SMALLINT_MAX),
  status: attemptStatus,
  duration: milliseconds,
  startTime: isoTime.optional(),
  /** The attempt's first error (TestResult.error), ANSI colours kept as Playwright gives them;
   *  its other fields (location, snippet, cause) are accepted and dropped, as from a report. */
  error: playwrightTestErrorSchema.optional(),
  /** The test, as it stands after this attempt. */
  expectedStatus: attemptStatus,
  /** TestCase.outcome() after this attempt. */
  outcome,
  /** Whether Playwright will run the test again (a failed attempt with retries left). */
  willRetry: z.boolean(),
  /** TestCase.tags, with their '@'. */
  tags: z.array(text(1024)).max(100).default([]),
  annotations: z.array(annotation).max(100).default([]),
  /** The test's place in the JSON report's order (its file suites, then specs depth-first). */
  order: int(INT4_MAX),
  /** The id of the first test of the test's JSON spec (tests of one spec across projects and
   *  repeats share a spec; the spec carries its first test's id). */
  specId: text(200),
});

export const logEventSchema = z.strictObject({
  type: z.literal('log'),
  testId: text(200).optional(),
  retry: int(SMALLINT_MAX).optional(),
  stream: z.enum(['stdout', 'stderr']),
  chunk: text(MAX_LOG_CHUNK),
});

/** A run-level error (Reporter.onError: a failing globalSetup, a worker crash). */
export const statusEventSchema = z.strictObject({
  type: z.literal('status'),
  error: playwrightTestErrorSchema,
});

export const liveEventSchema = z.discriminatedUnion('type', [
  testBeginEventSchema,
  testEndEventSchema,
  logEventSchema,
  statusEventSchema,
]);

/** The id setup answered: letters, digits, '-' and '_'. */
const sessionId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be the sessionId setup answered');

export const liveEventBatchSchema = z.strictObject({
  sessionId,
  /** Numbers the session's batches from 0: a batch sent again is applied once. */
  seq: int(INT4_MAX),
  events: z.array(liveEventSchema).max(MAX_EVENTS_PER_BATCH),
});

/** A test that never began (max-failures reached, run interrupted): a skipped test of the report. */
export const notRunTestSchema = testEndEventSchema
  .pick({
    testId: true,
    title: true,
    titlePath: true,
    file: true,
    line: true,
    column: true,
    projectName: true,
    expectedStatus: true,
    tags: true,
    annotations: true,
    order: true,
    specId: true,
  })
  .strict();

export const liveTeardownSchema = z.strictObject({
  sessionId,
  /** FullResult.status. */
  status: z.enum(['passed', 'failed', 'timedout', 'interrupted']),
  summary: z
    .strictObject({
      /** FullResult.startTime and duration (the JSON report's stats). */
      startTime: isoTime.optional(),
      duration: milliseconds.optional(),
      /** The highest batch `seq` sent: teardown waits for (and names) batches that are missing. */
      lastSeq: int(INT4_MAX).nullable().optional(),
      notRun: z.array(notRunTestSchema).max(1_000_000).default([]),
    })
    .default({ notRun: [] }),
});

export type LiveCi = z.infer<typeof liveCiSchema>;
export type LiveSetup = z.input<typeof liveSetupSchema>;
export type LiveSetupParsed = z.infer<typeof liveSetupSchema>;
export type TestBeginEvent = z.infer<typeof testBeginEventSchema>;
export type TestEndEvent = z.infer<typeof testEndEventSchema>;
export type LogEvent = z.infer<typeof logEventSchema>;
export type StatusEvent = z.infer<typeof statusEventSchema>;
export type LiveEvent = z.infer<typeof liveEventSchema>;
export type LiveEventBatch = z.input<typeof liveEventBatchSchema>;
export type NotRunTest = z.infer<typeof notRunTestSchema>;
export type LiveTeardown = z.input<typeof liveTeardownSchema>;

/** `201` answer of setup. */
export interface LiveSetupAnswer {
  sessionId: string;
  runId: string;
  /** The run's dashboard page. */
  url: string;
}
