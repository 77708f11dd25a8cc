import type {
  LiveProgress,
  Outcome,
  Run,
  StreamEvent,
  StreamTestBegin,
  StreamTestEnd,
} from '@flackyness/shared/api';
import { appendLog, createLogBuffer, type LogBuffer } from './log-lines';

/**
 * What the live view of one run knows, built from its stream's events in order. The reducer
 * changes the state it is given (one stream owns it), so a 2,000-test run costs no copy of the
 * whole per event; the tests and log lines in it are replaced when they change, never changed in
 * place, so views that hold them see exactly which changed.
 */

/** Where a test is: began (running), failed with a retry to come (retrying), or its outcome. */
export type LiveTestState = 'running' | 'retrying' | Outcome;

export interface LiveTest {
  /** testId + projectName: Playwright's id is unique within a run, the project makes it certain. */
  key: string;
  testId: string;
  projectName: string;
  title: string;
  titlePath: string[];
  file: string;
  state: LiveTestState;
  /** The attempt running or last ended (0 = first). */
  retry: number;
  /** Duration of the last ended attempt. */
  durationMs: number | null;
  /** The last failed attempt's error, ANSI stripped by the server. */
  error: string | null;
  /** Order of the last change, for newest-first. */
  changed: number;
}

export interface LiveRunState {
  run: Run;
  /** Highest event id applied; events at or below it are repeats (a resumed stream) and ignored. */
  lastId: number;
  tests: Map<string, LiveTest>;
  /** Title paths by Playwright test id, for the log lines that name their test by id. */
  titles: Map<string, string>;
  log: LogBuffer;
  changes: number;
}

export function createLiveRunState(run: Run, options: { maxLogLines?: number } = {}): LiveRunState {
  return {
    run,
    lastId: 0,
    tests: new Map(),
    titles: new Map(),
    log: createLogBuffer(options.maxLogLines),
    changes: 0,
  };
}

export function testKey(test: { testId: string; projectName: string }): string {
  return `${test.projectName}\u0000${test.testId}`;
}

/**
 * Replaces a test with its changed copy: a test object never changes once made, so a view can
 * tell a changed row from an unchanged one by reference.
 */
function updateTest(
  state: LiveRunState,
  data: StreamTestBegin,
  change: (test: LiveTest) => Partial<LiveTest> | null,
): void {
  const key = testKey(data);
  let test = state.tests.get(key);
  if (!test) {
    test = {
      key,
      testId: data.testId,
      projectName: data.projectName,
      title: data.title,
      titlePath: data.titlePath,
      file: data.file,
      state: 'running',
      retry: data.retry,
      durationMs: null,
      error: null,
      changed: 0,
    };
    state.titles.set(data.testId, data.titlePath.join(' › '));
  }
  const changes = change(test);
  state.tests.set(key, { ...test, ...changes, changed: ++state.changes });
}

function endTest(state: LiveRunState, data: StreamTestEnd) {
  updateTest(state, data, (test) => {
    // An attempt that ended after a later one began (out of order) must not undo it.
    if (data.retry < test.retry) return null;
    return {
      retry: data.retry,
      durationMs: data.durationMs,
      error: data.error ?? test.error,
      state: data.willRetry ? 'retrying' : finalOutcome(data, data.retry),
    };
  });
}

/**
 * The outcome of a test whose last attempt ended: Playwright's, as the server passes it on; a
 * test that passed on a retry is flaky even if an older server sent no outcome.
 */
function finalOutcome(data: StreamTestEnd, retry: number): Outcome {
  if (data.outcome) return data.outcome;
  if (data.status === 'skipped') return 'skipped';
  if (data.status === data.expectedStatus) return retry > 0 ? 'flaky' : 'expected';
  return 'unexpected';
}

/**
 * Applies one event; answers false for a repeat (an id already applied). The `run-updated` that
 * ends a burst carries the id of the burst's last event (and a resumed stream may start with the
 * run as it stands, at the id it resumed from): it replaces the run, so it is applied unless an
 * event after it was.
 */
export function applyStreamEvent(state: LiveRunState, event: StreamEvent): boolean {
  const id = Number(event.id);
  if (Number.isFinite(id)) {
    const repeat = event.kind === 'run-updated' ? id < state.lastId : id <= state.lastId;
    if (repeat) return false;
    state.lastId = id;
  }
  switch (event.kind) {
    case 'run-updated':
      state.run = event.data.run;
      break;
    case 'test-begin': {
      const retry = event.data.retry;
      updateTest(state, event.data, (test) =>
        retry >= test.retry ? { retry, state: 'running' } : null,
      );
      break;
    }
    case 'test-end':
      endTest(state, event.data);
      break;
    case 'log':
      appendLog(state.log, event.data);
      break;
  }
  return true;
}

export interface LiveCounts {
  totalTests: number;
  finished: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
  running: number;
}

/**
 * The progress bar's figures: the server's (`run.live`) or, when the events seen say more (they
 * arrive before the `run-updated` that sums them), the events'.
 */
export function liveCounts(state: LiveRunState): LiveCounts {
  const seen = { finished: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0, running: 0 };
  for (const test of state.tests.values()) {
    if (test.state === 'running' || test.state === 'retrying') seen.running++;
    else {
      seen.finished++;
      seen[test.state]++;
    }
  }
  const live: LiveProgress | null | undefined = state.run.live;
  const fromServer = live && live.finished > seen.finished;
  const counts = fromServer ? { ...live, running: seen.running } : seen;
  const totalTests = Math.max(live?.totalTests ?? 0, counts.finished + seen.running);
  return {
    totalTests,
    finished: counts.finished,
    expected: counts.expected,
    unexpected: counts.unexpected,
    flaky: counts.flaky,
    skipped: counts.skipped,
    running: seen.running,
  };
}

const RANK: Record<LiveTestState, number> = {
  unexpected: 0,
  retrying: 1,
  flaky: 2,
  running: 3,
  expected: 4,
  skipped: 4,
};

/**
 * The tests to show, at most `limit`: failures first, then retrying and flaky ones, then running,
 * then the rest; newest first within each. `hidden` counts those left out.
 */
export function visibleTests(
  state: LiveRunState,
  limit: number,
): { tests: LiveTest[]; hidden: number } {
  const all = [...state.tests.values()];
  all.sort((a, b) => RANK[a.state] - RANK[b.state] || b.changed - a.changed);
  const tests = all.slice(0, limit);
  return { tests, hidden: all.length - tests.length };
}

/** Whether the run has stopped (teardown, cancelled): the stored results replace the live view. */
export function isFinished(run: Run): boolean {
  return run.status !== 'running';
}
