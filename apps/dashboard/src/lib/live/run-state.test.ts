import type {
  LiveProgress,
  Run,
  StreamEvent,
  StreamTestBegin,
  StreamTestEnd,
} from '@flackyness/shared/api';
import { describe, expect, it } from 'vitest';
import {
  applyStreamEvent,
  createLiveRunState,
  liveCounts,
  visibleTests,
  type LiveRunState,
} from './run-state';

const LIVE: LiveProgress = {
  totalTests: 4,
  finished: 0,
  expected: 0,
  unexpected: 0,
  flaky: 0,
  skipped: 0,
  runningSessions: 1,
  sessions: 1,
  reporterVersion: '0.1.0',
  lastEventAt: null,
};

function makeRun(changes: Partial<Run> = {}): Run {
  return {
    id: 'run-1',
    projectId: 'p',
    status: 'running',
    source: 'live',
    branch: 'main',
    commit: null,
    pipeline: null,
    job: null,
    ciProvider: null,
    repository: null,
    pr: null,
    runUrl: null,
    environment: null,
    runName: null,
    playwrightVersion: null,
    live: LIVE,
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: 0,
    totals: { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 },
    parts: 1,
    excludedFromStats: false,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    url: '/runs/run-1',
    ...changes,
  };
}

function begin(testId: string, retry = 0): StreamTestBegin {
  return {
    testId,
    retry,
    title: `test ${testId}`,
    titlePath: ['suite', `test ${testId}`],
    file: 'a.spec.ts',
    line: 1,
    projectName: 'chromium',
    startTime: null,
  };
}

function end(
  testId: string,
  retry: number,
  status: StreamTestEnd['status'],
  outcome: StreamTestEnd['outcome'],
  willRetry = false,
): StreamTestEnd {
  return {
    ...begin(testId, retry),
    status,
    durationMs: 120,
    outcome,
    expectedStatus: 'passed',
    willRetry,
    error: status === 'failed' ? 'Error: expected 1 to be 2' : null,
  };
}

/** Feeds events with ids 1, 2, 3… */
function feed(state: LiveRunState, events: Omit<StreamEvent, 'id'>[], firstId = 1) {
  events.forEach((event, i) =>
    applyStreamEvent(state, { ...event, id: String(firstId + i) } as StreamEvent),
  );
}

const stateOf = (state: LiveRunState, testId: string) =>
  [...state.tests.values()].find((t) => t.testId === testId)?.state;

describe('the live run state', () => {
  it('follows a test from running to its outcome', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [{ kind: 'test-begin', data: begin('a') }]);
    expect(stateOf(state, 'a')).toBe('running');
    feed(state, [{ kind: 'test-end', data: end('a', 0, 'passed', 'expected') }], 2);
    expect(stateOf(state, 'a')).toBe('expected');
    expect(state.lastId).toBe(2);
  });

  it('a failure with a retry to come is retrying; passing on the retry makes it flaky', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'test-end', data: end('a', 0, 'failed', 'unexpected', true) },
    ]);
    expect(stateOf(state, 'a')).toBe('retrying');
    feed(state, [{ kind: 'test-begin', data: begin('a', 1) }], 3);
    expect(stateOf(state, 'a')).toBe('running');
    feed(state, [{ kind: 'test-end', data: end('a', 1, 'passed', 'flaky') }], 4);
    const test = [...state.tests.values()][0];
    expect(test).toMatchObject({ state: 'flaky', retry: 1, error: 'Error: expected 1 to be 2' });
  });

  it('a failure with no retry left is unexpected; a late end of an older attempt changes nothing', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'test-end', data: end('a', 0, 'failed', 'unexpected', true) },
      { kind: 'test-begin', data: begin('a', 1) },
      { kind: 'test-end', data: end('a', 1, 'failed', 'unexpected') },
      { kind: 'test-end', data: end('a', 0, 'failed', 'unexpected', true) },
    ]);
    expect(stateOf(state, 'a')).toBe('unexpected');
  });

  it('ignores events whose id it has applied already (a resumed stream)', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'log', data: { testId: 'a', retry: 0, stream: 'stdout', chunk: 'one\n' } },
    ]);
    const replay = [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'log', data: { testId: 'a', retry: 0, stream: 'stdout', chunk: 'one\n' } },
      { kind: 'log', data: { testId: 'a', retry: 0, stream: 'stdout', chunk: 'two\n' } },
    ] as const;
    expect(replay.map((e, i) => applyStreamEvent(state, { ...e, id: String(i + 1) }))).toEqual([
      false,
      false,
      true,
    ]);
    expect(state.log.lines.map((l) => l.spans.map((s) => s.text).join(''))).toEqual(['one', 'two']);
    expect(state.tests.size).toBe(1);
  });

  it('applies the run-updated that shares the id of the burst it ends, and no older one', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'test-end', data: end('a', 0, 'passed', 'expected') },
    ]);
    const ended = makeRun({ status: 'passed', updatedAt: '2026-12-01T10:05:00.000Z' });
    expect(applyStreamEvent(state, { kind: 'run-updated', id: '2', data: { run: ended } })).toBe(
      true,
    );
    expect(state.run.status).toBe('passed');
    const stale = makeRun({ status: 'running' });
    expect(applyStreamEvent(state, { kind: 'run-updated', id: '1', data: { run: stale } })).toBe(
      false,
    );
    expect(
      applyStreamEvent(state, {
        kind: 'test-end',
        id: '2',
        data: end('a', 0, 'passed', 'expected'),
      }),
    ).toBe(false);
    expect(state.run.status).toBe('passed');
  });

  it('counts progress from the events, or from run.live when the server knows more', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-begin', data: begin('a') },
      { kind: 'test-end', data: end('a', 0, 'passed', 'expected') },
      { kind: 'test-begin', data: begin('b') },
      { kind: 'test-end', data: end('b', 0, 'failed', 'unexpected') },
      { kind: 'test-begin', data: begin('c') },
      { kind: 'test-end', data: end('c', 0, 'skipped', 'skipped') },
      { kind: 'test-begin', data: begin('d') },
    ]);
    expect(liveCounts(state)).toEqual({
      totalTests: 4,
      finished: 3,
      expected: 1,
      unexpected: 1,
      flaky: 0,
      skipped: 1,
      running: 1,
    });
    const live = { ...LIVE, totalTests: 10, finished: 5, expected: 2, unexpected: 1, skipped: 2 };
    feed(state, [{ kind: 'run-updated', data: { run: makeRun({ live }) } }], 8);
    expect(liveCounts(state)).toMatchObject({ totalTests: 10, finished: 5, expected: 2 });
  });

  it('lists failures first, then the newest, and caps the rows', () => {
    const state = createLiveRunState(makeRun());
    feed(state, [
      { kind: 'test-end', data: end('a', 0, 'passed', 'expected') },
      { kind: 'test-end', data: end('b', 0, 'failed', 'unexpected') },
      { kind: 'test-end', data: end('c', 0, 'passed', 'expected') },
      { kind: 'test-begin', data: begin('d') },
      { kind: 'test-end', data: end('e', 1, 'passed', 'flaky') },
    ]);
    expect(visibleTests(state, 10).tests.map((t) => t.testId)).toEqual(['b', 'e', 'd', 'c', 'a']);
    expect(visibleTests(state, 2)).toMatchObject({ hidden: 3 });
  });

  it('keeps 2,000 tests, their logs and outcomes', () => {
    const state = createLiveRunState(makeRun({ live: { ...LIVE, totalTests: 2000 } }));
    const events: Omit<StreamEvent, 'id'>[] = [];
    for (let i = 0; i < 2000; i++) {
      events.push({ kind: 'test-begin', data: begin(`t${i}`) });
      events.push({
        kind: 'log',
        data: { testId: `t${i}`, retry: 0, stream: 'stdout', chunk: `line ${i}\n` },
      });
      events.push({ kind: 'test-end', data: end(`t${i}`, 0, 'passed', 'expected') });
    }
    feed(state, events);
    expect(liveCounts(state)).toMatchObject({ finished: 2000, expected: 2000, totalTests: 2000 });
    expect(visibleTests(state, 500)).toMatchObject({ hidden: 1500 });
    expect(state.log.lines).toHaveLength(2000);
  });
});
