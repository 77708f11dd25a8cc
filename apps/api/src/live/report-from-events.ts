import type { NotRunTest, StatusEvent, TestEndEvent } from '@flackyness/shared/ingest';
import type {
  PlaywrightReportOutline,
  PlaywrightSuite,
  PlaywrightTestResult,
} from '@flackyness/shared/playwright-report';

export interface LiveRunFacts {
  playwrightVersion: string | null;
  shard: { current: number; total: number } | null;
  /** FullResult.startTime and duration, from the teardown. */
  startTime: string;
  duration: number;
  /** The session's test-end events, one per attempt, in stream order. */
  attempts: readonly TestEndEvent[];
  /** Tests that never began. */
  notRun: readonly NotRunTest[];
  /** Run-level errors (onError). */
  errors: readonly StatusEvent['error'][];
}

interface TestEntry {
  last: TestEndEvent | NotRunTest;
  attempts: Map<number, TestEndEvent>;
}

/**
 * The JSON report Playwright's JSON reporter would have written for the run a live session
 * streamed, so the teardown stores it through the same reader and ingestion as an upload and the
 * two are equal (DESIGN.md §6). Tests come in the reporter's `order` (the JSON reporter's layout),
 * so repeats are numbered alike; each test is a spec of its own inside its describe chain, whose
 * id is kept only for the first test of the JSON spec it belongs to, as in the JSON report.
 * Files are already relative to rootDir. Pure.
 */
export function reportFromEvents(facts: LiveRunFacts): PlaywrightReportOutline {
  const tests = new Map<string, TestEntry>();
  for (const test of facts.notRun) tests.set(test.testId, { last: test, attempts: new Map() });
  for (const attempt of facts.attempts) {
    const entry = tests.get(attempt.testId);
    // A retry sent again replaces the earlier copy; the test's own facts are its last attempt's.
    if (entry) {
      entry.attempts.set(attempt.retry, attempt);
      if (!('retry' in entry.last) || attempt.retry >= entry.last.retry) entry.last = attempt;
    } else {
      tests.set(attempt.testId, { last: attempt, attempts: new Map([[attempt.retry, attempt]]) });
    }
  }
  const ordered = [...tests.values()].sort((a, b) => a.last.order - b.last.order);

  const files = new Map<string, PlaywrightSuite>();
  let expected = 0;
  let unexpected = 0;
  let flaky = 0;
  let skipped = 0;
  for (const { last, attempts } of ordered) {
    const results = [...attempts.values()].sort((a, b) => a.retry - b.retry).map(toResult);
    const outcome = results.length > 0 && 'outcome' in last ? last.outcome : 'skipped';
    if (outcome === 'expected') expected++;
    else if (outcome === 'unexpected') unexpected++;
    else if (outcome === 'flaky') flaky++;
    else skipped++;

    let file = files.get(last.file);
    if (file === undefined) {
      file = { title: last.file, file: last.file, specs: [], suites: [] };
      files.set(last.file, file);
    }
    const describes = last.titlePath.slice(0, -1);
    let parent = file;
    for (const title of describes) {
      const child: PlaywrightSuite = { title, file: last.file, specs: [], suites: [] };
      parent.suites?.push(child);
      parent = child;
    }
    parent.specs?.push({
      title: last.title,
      file: last.file,
      ...(last.line !== undefined ? { line: last.line } : {}),
      ...(last.column !== undefined ? { column: last.column } : {}),
      ...(last.testId === last.specId ? { id: last.testId } : {}),
      tags: last.tags,
      tests: [
        {
          projectName: last.projectName,
          expectedStatus: last.expectedStatus,
          status: outcome,
          annotations: last.annotations,
          results,
        },
      ],
    });
  }

  return {
    config: {
      rootDir: '',
      ...(facts.playwrightVersion !== null ? { version: facts.playwrightVersion } : {}),
      ...(facts.shard ? { shard: facts.shard } : {}),
    },
    suites: [...files.values()],
    errors: facts.errors.map((error) => ({ ...error })),
    stats: {
      startTime: facts.startTime,
      duration: facts.duration,
      expected,
      unexpected,
      flaky,
      skipped,
    },
  } as PlaywrightReportOutline;
}

function toResult(attempt: TestEndEvent): PlaywrightTestResult {
  return {
    status: attempt.status,
    retry: attempt.retry,
    duration: attempt.duration,
    ...(attempt.startTime !== undefined ? { startTime: attempt.startTime } : {}),
    ...(attempt.error !== undefined ? { error: attempt.error } : {}),
  } as PlaywrightTestResult;
}
