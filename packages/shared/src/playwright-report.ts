import { z } from 'zod';

/**
 * Playwright's JSON report (`--reporter=json`, also `merge-reports --reporter json`), versions 1.30
 * to 1.65, as far as ingestion reads it. shared/reference/playwright-json-format.md documents every
 * field and version quirk.
 *
 * Objects use zod's default strip mode: unknown keys are accepted and left out of the parsed value.
 * That keeps parsing fast (only declared keys are visited) and means whatever the schema does not
 * name — config.metadata, config.filteredProjects[].use, argv, stdout/stderr, attachment bodies —
 * cannot reach anything built from the parsed report. Add a field here only when ingest needs it.
 *
 * Everything is optional except what makes a report a report (`config`, `suites`), titles and
 * attempt statuses; consumers apply the defaults documented in the reference.
 *
 * Numbers that are stored are bounded by the columns that keep them (PostgreSQL integer and
 * smallint): a report beyond them is refused with the field's path rather than failing its insert.
 */

/** The largest integer (int4) column value: durations in ms, line and column numbers, counts. */
export const INT4_MAX = 2_147_483_647;
/** The largest smallint column value: attempts of one result, repeats of one test in a report. */
export const SMALLINT_MAX = 32_767;

const milliseconds = z
  .number()
  .min(0, 'must not be negative')
  .max(INT4_MAX, `must be at most ${INT4_MAX} ms`);
const int4 = z
  .number()
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(INT4_MAX, `must be at most ${INT4_MAX}`);

/** TestError: `message`/`stack` carry ANSI colours; a non-Error throw has only `value`. */
export const playwrightTestErrorSchema = z.object({
  message: z.string().optional(),
  stack: z.string().optional(),
  value: z.string().optional(),
});

const attemptStatus = z.enum(['passed', 'failed', 'timedOut', 'skipped', 'interrupted']);

/** Runtime annotations may carry anything as description, so it is read, not trusted. */
const annotation = z.object({
  type: z.string(),
  description: z.unknown().optional(),
});

/** One attempt (retry) of one test. */
export const playwrightTestResultSchema = z.object({
  status: attemptStatus,
  retry: z
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(SMALLINT_MAX, `must be at most ${SMALLINT_MAX}`)
    .optional(),
  duration: milliseconds.optional(),
  /** ISO 8601; absent before 1.26. */
  startTime: z.string().optional(),
  /** Raw first error of the attempt, before formatting. */
  error: playwrightTestErrorSchema.optional(),
});

/** One project's (and one repeat's) run of a spec. */
export const playwrightTestSchema = z.object({
  projectName: z.string().optional(),
  expectedStatus: attemptStatus.optional(),
  /** TestCase.outcome(); read as a string so a future value falls back to recomputation. */
  status: z.string().optional(),
  annotations: z.array(annotation).optional(),
  /** Empty for tests that never started (max-failures, interruption, global timeout). */
  results: z
    .array(playwrightTestResultSchema)
    .max(SMALLINT_MAX, `must hold at most ${SMALLINT_MAX} attempts`),
});

/** One test() declaration: one test per project before 1.65, all projects merged from 1.65. */
export const playwrightSpecSchema = z.object({
  title: z.string(),
  /** Playwright's id of the spec's first test only. */
  id: z.string().optional(),
  /** Relative to config.rootDir, posix. */
  file: z.string().optional(),
  line: int4.optional(),
  column: int4.optional(),
  /** Without the leading '@'. */
  tags: z.array(z.string()).optional(),
  tests: z.array(playwrightTestSchema),
});

/** A file (top level, title = file path) or a describe() block (title, "" when anonymous). */
export const playwrightSuiteSchema = z.object({
  title: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  specs: z.array(playwrightSpecSchema).optional(),
  get suites() {
    return z.array(playwrightSuiteSchema).optional();
  },
});

export const playwrightConfigSchema = z.object({
  version: z.string().optional(),
  /** Absolute, forward slashes; suite and spec `file`s are relative to it. */
  rootDir: z.string().optional(),
  /** 1-based; null when unsharded and always null in merged reports. */
  shard: z
    .object({ current: z.number().int().min(1), total: z.number().int().min(1) })
    .nullable()
    .optional(),
  /** `[name, options][]`; read only to detect the JSON reporter's `onlyFailures` (1.65+), so any
   *  shape is accepted here and inspected defensively by the reader. */
  reporter: z.unknown().optional(),
});

/** Absent before 1.39; counts added in 1.40 and computed over the included tests only. */
export const playwrightStatsSchema = z
  .object({
    startTime: z.string().optional(),
    duration: milliseconds.optional(),
    expected: int4.optional(),
    unexpected: int4.optional(),
    flaky: int4.optional(),
    skipped: int4.optional(),
  })
  .refine(
    (stats) =>
      (stats.expected ?? 0) + (stats.unexpected ?? 0) + (stats.flaky ?? 0) + (stats.skipped ?? 0) <=
      INT4_MAX,
    `expected + unexpected + flaky + skipped must be at most ${INT4_MAX}`,
  );

export const playwrightReportSchema = z.object({
  config: playwrightConfigSchema,
  suites: z.array(playwrightSuiteSchema),
  /** Run-level errors: globalSetup/webServer failures, max-failures, global timeout. */
  errors: z.array(playwrightTestErrorSchema).optional(),
  stats: playwrightStatsSchema.optional(),
});

/**
 * The report with its file suites not read yet: for a reader that parses each suite with
 * playwrightSuiteSchema when it gets to it (the suites are nearly all of a large report).
 */
export const playwrightReportOutlineSchema = playwrightReportSchema.extend({
  suites: z.array(z.unknown()),
});

export type PlaywrightReport = z.infer<typeof playwrightReportSchema>;
export type PlaywrightReportOutline = z.infer<typeof playwrightReportOutlineSchema>;
export type PlaywrightConfig = z.infer<typeof playwrightConfigSchema>;
export type PlaywrightStats = z.infer<typeof playwrightStatsSchema>;
export type PlaywrightSuite = z.infer<typeof playwrightSuiteSchema>;
export type PlaywrightSpec = z.infer<typeof playwrightSpecSchema>;
export type PlaywrightTest = z.infer<typeof playwrightTestSchema>;
export type PlaywrightTestResult = z.infer<typeof playwrightTestResultSchema>;
export type PlaywrightTestError = z.infer<typeof playwrightTestErrorSchema>;
export type PlaywrightAttemptStatus = z.infer<typeof attemptStatus>;
