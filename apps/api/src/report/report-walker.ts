import type {
  PlaywrightAttemptStatus,
  PlaywrightSpec,
  PlaywrightSuite,
  PlaywrightTest,
  PlaywrightTestError,
  PlaywrightTestResult,
} from '@flackyness/shared/playwright-report';
import { INT4_MAX, SMALLINT_MAX } from '@flackyness/shared/playwright-report';
import { stripAnsi } from './ansi.ts';
import { errorSignature } from './error-signature.ts';
import { InvalidReportError } from './invalid-report-error.ts';
import { cap, toSafeText } from '../domain/safe-text.ts';
import type {
  AttemptStatus,
  NormalizedAttempt,
  NormalizedError,
  NormalizedResult,
  Outcome,
} from '../domain/report.ts';

export const MAX_ERROR_MESSAGE_LENGTH = 8 * 1024;
export const MAX_ERROR_STACK_LENGTH = 16 * 1024;

const OUTCOMES: ReadonlySet<string> = new Set<Outcome>([
  'expected',
  'unexpected',
  'flaky',
  'skipped',
]);

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

/**
 * Walks a report's file suites and turns every test into normalised results (domain/report.ts): one
 * per test per project per repeat, keyed by the identity of DESIGN.md §4. Reads only the fields
 * the schema declares, so config metadata, project `use`, stdio and attachments never reach the
 * output. Its text is made storable (toSafeText); a repeat count or a sum of attempt durations
 * that no column holds is an InvalidReportError naming the test. State carried across files:
 * repeat numbering, the run's earliest start and latest end, whether an attempt was interrupted.
 */
export class ReportWalker {
  readonly results: NormalizedResult[] = [];
  /** Canonical ISO strings, so the earliest is also the smallest string. */
  earliestStart: string | null = null;
  latestEnd: number | null = null;
  interrupted = false;
  private readonly occurrences = new Map<string, number>();
  // Retries and tests broken by one cause repeat the same texts: strip and sign each text once.
  private readonly messages = new Map<string, { message: string; signature: string }>();
  private readonly stacks = new Map<string, string>();
  /** Each spec file's path relative to rootDir, as a JSON string too (for identity keys). */
  private readonly files = new Map<string, { file: string; json: string }>();
  private readonly rootPrefix: string | null;

  constructor(
    rootDir: string | undefined,
    private readonly needsEnd: boolean,
  ) {
    const root = rootDir ? trimTrailingSlashes(toPosix(rootDir)) : '';
    this.rootPrefix = root === '' ? null : `${root}/`;
  }

  /** Top-level suites are files; their titles are not part of the title path. `index`: its place
   *  in the report's `suites`, for errors. */
  walkFile(fileSuite: PlaywrightSuite, index: number): void {
    this.walkSuite(fileSuite, fileSuite.file ?? fileSuite.title, [], ['suites', index]);
  }

  private walkSuite(
    suite: PlaywrightSuite,
    file: string,
    describes: readonly string[],
    path: readonly PropertyKey[],
  ): void {
    const specs = suite.specs ?? [];
    for (let index = 0; index < specs.length; index++) {
      const spec = specs[index] as PlaywrightSpec;
      this.addSpec(spec, spec.file ?? file, describes, { path, index });
    }
    const children = suite.suites ?? [];
    for (let index = 0; index < children.length; index++) {
      const child = children[index] as PlaywrightSuite;
      // Anonymous describes are left out, as in Playwright's own titlePath().
      const titles = child.title === '' ? describes : [...describes, toSafeText(child.title)];
      this.walkSuite(child, child.file ?? file, titles, [...path, 'suites', index]);
    }
  }

  private addSpec(
    spec: PlaywrightSpec,
    specFile: string,
    describes: readonly string[],
    at: SpecPlace,
  ): void {
    let file = this.files.get(specFile);
    if (file === undefined) {
      const relative = toSafeText(this.relativeFile(specFile));
      file = { file: relative, json: JSON.stringify(relative) };
      this.files.set(specFile, file);
    }
    const title = toSafeText(spec.title);
    const titlePath = [...describes, title];
    // The key's parts, each written once: identityKey(projectName, file, titlePath) is
    // `[${project},${file},${titlePath}]` in JSON.
    const keySuffix = `,${file.json},${JSON.stringify(titlePath)}]`;
    const tags = normalizeTags(spec.tags);
    for (let index = 0; index < spec.tests.length; index++) {
      const test = spec.tests[index] as PlaywrightTest;
      const projectName = toSafeText(test.projectName ?? '');
      const key = `[${JSON.stringify(projectName)}${keySuffix}`;
      const repeatIndex = this.occurrences.get(key) ?? 0;
      if (repeatIndex > SMALLINT_MAX) {
        throw invalidTest(
          at,
          index,
          [],
          `the same test occurs more than ${SMALLINT_MAX + 1} times`,
        );
      }
      this.occurrences.set(key, repeatIndex + 1);
      // spec.id belongs to the spec's first test; the others' ids are not in the JSON.
      const playwrightId = index === 0 && spec.id !== undefined ? toSafeText(spec.id) : null;
      const result = this.toResult(spec, test, {
        projectName,
        file: file.file,
        titlePath,
        title,
        identityKey: key,
        repeatIndex,
        playwrightId,
        tags,
      });
      // Each attempt's duration fits; their sum is stored too.
      if (result.durationMs > INT4_MAX) {
        throw invalidTest(
          at,
          index,
          ['results'],
          `the attempts' durations add up to more than ${INT4_MAX} ms`,
        );
      }
      this.results.push(result);
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
      title: identity.title,
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
      annotations: test.annotations?.length ? test.annotations.map(toAnnotation) : NONE,
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
      const message = toSafeText(cap(stripAnsi(raw), MAX_ERROR_MESSAGE_LENGTH));
      known = { message, signature: errorSignature(message) };
      this.messages.set(raw, known);
    }
    let stack: string | null = null;
    if (error.stack !== undefined) {
      stack = this.stacks.get(error.stack) ?? null;
      if (stack === null) {
        stack = toSafeText(cap(stripAnsi(error.stack), MAX_ERROR_STACK_LENGTH));
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
  | 'projectName'
  | 'file'
  | 'titlePath'
  | 'title'
  | 'identityKey'
  | 'repeatIndex'
  | 'playwrightId'
  | 'tags'
>;

/** A spec's place in the report: its suite's path, and its index in that suite's `specs`. */
interface SpecPlace {
  path: readonly PropertyKey[];
  index: number;
}

function invalidTest(
  at: SpecPlace,
  testIndex: number,
  rest: readonly PropertyKey[],
  message: string,
): InvalidReportError {
  return new InvalidReportError([
    { path: [...at.path, 'specs', at.index, 'tests', testIndex, ...rest], message },
  ]);
}

/** Annotation locations are absolute paths of the CI machine: only type and description stay. */
function toAnnotation({
  type,
  description,
}: {
  type: string;
  description?: unknown;
}): NormalizedResult['annotations'][number] {
  if (description === undefined || description === null) return { type: toSafeText(type) };
  return {
    type: toSafeText(type),
    description: toSafeText(
      typeof description === 'string' ? description : describeValue(description),
    ),
  };
}

/** A runtime description as JSON; one nested too deep for JSON.stringify's stack, as a note. */
function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return '(a value nested too deeply to show)';
    throw error;
  }
}

/** An attempt that failed the test: neither the expected status nor a skip or interruption. */
function isFailedAttempt(status: PlaywrightAttemptStatus, expectedStatus: string): boolean {
  return status !== expectedStatus && status !== 'skipped' && status !== 'interrupted';
}

/** Shared by every result without tags or annotations (most of them): read-only. */
const NONE: readonly never[] = Object.freeze([]);

function normalizeTags(tags: readonly string[] | undefined): readonly string[] {
  if (!tags || tags.length === 0) return NONE;
  const unique = new Set<string>();
  for (const tag of tags) {
    const name = toSafeText(tag.startsWith('@') ? tag.slice(1) : tag);
    if (name !== '') unique.add(name);
  }
  return [...unique];
}

// Playwright writes Date.toISOString() output; anything else is rewritten into that form.
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The time as a canonical ISO string (comparable as a string), or null when unreadable. */
export function toCanonicalTime(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (CANONICAL_ISO.test(text)) return text;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function firstLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const newline = text.indexOf('\n');
  return newline === -1 ? text : text.slice(0, newline);
}

function toPosix(path: string): string {
  return path.includes('\\') ? path.replaceAll('\\', '/') : path;
}

/** By hand: `/\/+$/` retries from each slash of a long run, in quadratic time. */
function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}
