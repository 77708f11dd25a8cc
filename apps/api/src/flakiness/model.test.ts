import { describe, expect, it } from 'vitest';
import { computeOutcome } from '../report/report-walker.ts';
import type { Outcome } from '../domain/report.ts';
import {
  countFlips,
  failRate,
  flakeRate,
  flipRate,
  isMassFailure,
  nextFlakyState,
  wilsonInterval,
  type FlakyState,
  type FlakyWindow,
  ageFlakyState,
  agedOutAt,
  windowStartDay,
  type ModelConfig,
  type WindowCounts,
} from './model.ts';
import { escapeRegExp, grepInvertPattern } from './quarantine.ts';

/** The flakiness model (DESIGN.md §4) on hand-made sequences of one test's results. */

/** Every step of these sequences lies inside the window. */
const window: FlakyWindow = { startDay: '2025-12-01', days: 60 };
const defaults: ModelConfig & { window: FlakyWindow } = {
  threshold: 0.05,
  resolveAfterRuns: 20,
  window,
};
const initial: FlakyState = {
  status: null,
  resolution: null,
  firstDetectedAt: null,
  lastFlakyAt: null,
  resolvedAt: null,
  cleanStreak: 0,
  streakAt: null,
};

interface Step {
  outcome: Outcome;
  commit?: string;
}
const E: Step = { outcome: 'expected' };
const U: Step = { outcome: 'unexpected' };
const F: Step = { outcome: 'flaky' };
const S: Step = { outcome: 'skipped' };
const times = (n: number, step: Step): Step[] => Array.from({ length: n }, () => step);
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000);

/** Window counts of a sequence, computed here from the definitions (not with the app's code). */
function countsOf(steps: readonly Step[]): WindowCounts {
  const ran = steps.filter((s) => s.outcome !== 'skipped');
  const commits = new Map<string, { pass: boolean; fail: boolean }>();
  for (const s of ran) {
    if (s.commit === undefined) continue;
    const c = commits.get(s.commit) ?? { pass: false, fail: false };
    if (s.outcome === 'unexpected') c.fail = true;
    else c.pass = true;
    commits.set(s.commit, c);
  }
  return {
    runs: ran.length,
    flakyRuns: ran.filter((s) => s.outcome === 'flaky').length,
    failedRuns: ran.filter((s) => s.outcome === 'unexpected').length,
    commitFlakes: [...commits.values()].filter((c) => c.pass && c.fail).length,
  };
}

/** Feeds the results one by one to nextFlakyState, as ingest does, with the counts so far. */
function replay(steps: readonly Step[], config = defaults, start = initial) {
  let state = start;
  const states: FlakyState[] = [];
  steps.forEach((step, i) => {
    const before = countsOf(steps.slice(0, i));
    const after = countsOf(steps.slice(0, i + 1));
    const commitFlake = after.commitFlakes > before.commitFlakes;
    state = nextFlakyState(state, { outcome: step.outcome, at: at(i), commitFlake }, after, config);
    states.push(state);
  });
  return { state, states, counts: countsOf(steps) };
}

describe('rates', () => {
  it('counts a retry-pass as a flaky run', () => {
    const counts = countsOf([E, F, E, U, E]);
    expect(counts).toEqual({ runs: 5, flakyRuns: 1, failedRuns: 1, commitFlakes: 0 });
    expect(flakeRate(counts)).toBe(0.2);
    expect(failRate(counts)).toBe(0.2);
  });

  it('counts a same-commit disagreement once per commit', () => {
    const steps = [
      { outcome: 'expected', commit: 'a' },
      { outcome: 'unexpected', commit: 'a' },
      { outcome: 'unexpected', commit: 'a' },
      { outcome: 'flaky', commit: 'a' },
      { outcome: 'unexpected', commit: 'b' },
      { outcome: 'unexpected', commit: 'b' },
      { outcome: 'expected', commit: 'c' },
    ] satisfies Step[];
    const counts = countsOf(steps);
    expect(counts).toEqual({ runs: 7, flakyRuns: 1, failedRuns: 4, commitFlakes: 1 });
    expect(flakeRate(counts)).toBeCloseTo(2 / 7, 12);
    expect(failRate(counts)).toBeCloseTo(4 / 7, 12);
  });

  it('caps the flake rate at 1 and is 0 without runs', () => {
    expect(flakeRate({ runs: 2, flakyRuns: 2, failedRuns: 0, commitFlakes: 1 })).toBe(1);
    expect(flakeRate({ runs: 0, flakyRuns: 0, failedRuns: 0, commitFlakes: 0 })).toBe(0);
    expect(failRate({ runs: 0, flakyRuns: 0, failedRuns: 0, commitFlakes: 0 })).toBe(0);
  });

  it('gives skipped-only tests no runs, rate 0, an uninformative interval, and no status', () => {
    const steps = times(5, S);
    const { state, counts } = replay(steps);
    expect(counts).toEqual({ runs: 0, flakyRuns: 0, failedRuns: 0, commitFlakes: 0 });
    expect(flakeRate(counts)).toBe(0);
    expect(wilsonInterval(0, counts.runs)).toEqual({ low: 0, high: 1 });
    expect(countFlips(steps.map((s) => s.outcome))).toEqual({ flips: 0, results: 0 });
    expect(state).toEqual(initial);
  });

  it('makes a failing test.fail() test expected, and clean', () => {
    expect(computeOutcome([{ status: 'failed' }], 'failed')).toBe('expected');
    expect(computeOutcome([{ status: 'passed' }], 'failed')).toBe('unexpected');
    expect(computeOutcome([{ status: 'failed' }, { status: 'passed' }], 'passed')).toBe('flaky');
    const outcome = computeOutcome([{ status: 'failed' }], 'failed');
    const active: FlakyState = { ...initial, status: 'active', firstDetectedAt: at(0) };
    const counts = { runs: 10, flakyRuns: 1, failedRuns: 0, commitFlakes: 0 };
    const next = nextFlakyState(
      active,
      { outcome, at: at(1), commitFlake: false },
      counts,
      defaults,
    );
    expect(next.cleanStreak).toBe(1);
    expect(countFlips(['unexpected', outcome])).toEqual({ flips: 1, results: 2 });
  });
});

describe('mass-failure guard', () => {
  it('excludes a run only when more than 80% of the non-skipped tests are unexpected', () => {
    for (const ran of [5, 10, 15, 20, 25, 35, 100, 1000, 4095]) {
      const exactly = (ran * 4) / 5;
      expect(isMassFailure({ total: ran, unexpected: exactly, skipped: 0 }, 0.8)).toBe(false);
      expect(isMassFailure({ total: ran, unexpected: exactly + 1, skipped: 0 }, 0.8)).toBe(true);
    }
    expect(isMassFailure({ total: 10, unexpected: 10, skipped: 0 }, 0.8)).toBe(true);
    expect(isMassFailure({ total: 3, unexpected: 2, skipped: 0 }, 0.8)).toBe(false);
  });

  it('leaves skipped tests out of the denominator', () => {
    // 8 of 10 ran: exactly 80%, not an outage; 9 of 10 ran is.
    expect(isMassFailure({ total: 14, unexpected: 8, skipped: 4 }, 0.8)).toBe(false);
    expect(isMassFailure({ total: 14, unexpected: 9, skipped: 4 }, 0.8)).toBe(true);
    // Counted over all tests, 9 of 14 would be under 80%.
    expect(isMassFailure({ total: 14, unexpected: 9, skipped: 0 }, 0.8)).toBe(false);
  });

  it('never excludes a run in which nothing ran', () => {
    expect(isMassFailure({ total: 0, unexpected: 0, skipped: 0 }, 0.8)).toBe(false);
    expect(isMassFailure({ total: 6, unexpected: 0, skipped: 6 }, 0.8)).toBe(false);
  });
});

describe('Wilson 95% interval', () => {
  it.each([
    [0, 10, 0, 0.2775],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [1, 10, 0.0179, 0.4042],
    [1, 20, 0.0089, 0.2361],
    [2, 3, 0.2077, 0.9385],
  ])('%i/%i → [%f, %f]', (successes, n, low, high) => {
    const interval = wilsonInterval(successes, n);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
    expect(interval.low).toBeGreaterThanOrEqual(0);
    expect(interval.high).toBeLessThanOrEqual(1);
  });

  it('is [0, 1] without a sample', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('narrows as the sample grows and always holds the observed rate', () => {
    const small = wilsonInterval(2, 10);
    const large = wilsonInterval(200, 1000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    for (const i of [small, large]) {
      expect(i.low).toBeLessThanOrEqual(0.2);
      expect(i.high).toBeGreaterThanOrEqual(0.2);
    }
  });
});

describe('flips', () => {
  it('counts pass↔fail changes between consecutive non-skipped results', () => {
    // pass, fail, (skip), fail, pass (flaky is green after a retry), pass
    const outcomes: Outcome[] = [
      'expected',
      'unexpected',
      'skipped',
      'unexpected',
      'flaky',
      'expected',
    ];
    expect(countFlips(outcomes)).toEqual({ flips: 2, results: 5 });
    expect(flipRate([countFlips(outcomes)])).toBe(0.5);
  });

  it('compares results within a branch, never across branches', () => {
    const main: Outcome[] = ['expected', 'expected', 'unexpected'];
    const feature: Outcome[] = ['unexpected', 'unexpected'];
    const single: Outcome[] = ['expected'];
    // 1 flip over (3−1) + (2−1) + (1−1) pairs.
    expect(flipRate([main, feature, single].map(countFlips))).toBeCloseTo(1 / 3, 12);
    // Two steady branches have no flips; concatenated, they would show one at the seam.
    const steady: Outcome[][] = [
      ['expected', 'expected'],
      ['unexpected', 'unexpected'],
    ];
    expect(flipRate(steady.map(countFlips))).toBe(0);
    expect(flipRate([countFlips(steady.flat())])).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 with fewer than two results on every branch', () => {
    expect(flipRate([])).toBe(0);
    expect(flipRate([countFlips(['unexpected']), countFlips(['expected', 'skipped'])])).toBe(0);
  });
});

describe('flaky state', () => {
  it('activates a test on its first retry-pass when the rate reaches the threshold', () => {
    const { state, states } = replay([E, E, F, E]);
    expect(states[1]?.status).toBeNull();
    expect(states[2]).toMatchObject({
      status: 'active',
      firstDetectedAt: at(2),
      lastFlakyAt: at(2),
    });
    expect(state).toEqual({
      status: 'active',
      resolution: null,
      firstDetectedAt: at(2),
      lastFlakyAt: at(2),
      resolvedAt: null,
      cleanStreak: 1,
      streakAt: at(3),
    });
  });

  it('activates on the result that makes a commit disagree with itself', () => {
    const { states } = replay([
      { outcome: 'expected', commit: 'a' },
      { outcome: 'expected', commit: 'b' },
      { outcome: 'unexpected', commit: 'b' },
    ]);
    expect(states[2]).toMatchObject({
      status: 'active',
      firstDetectedAt: at(2),
      lastFlakyAt: at(2),
    });
    expect(states[2]?.cleanStreak).toBe(0);
    // A pass after the failure on the same commit makes it disagree just the same.
    const passLast = replay([
      { outcome: 'unexpected', commit: 'a' },
      { outcome: 'expected', commit: 'a' },
    ]);
    expect(passLast.states[0]?.status).toBeNull();
    expect(passLast.state).toMatchObject({
      status: 'active',
      firstDetectedAt: at(1),
      cleanStreak: 0,
    });
  });

  it('does not make a test flaky for plain failures', () => {
    const { state } = replay([E, U, U, E, U]);
    expect(state.status).toBeNull();
    expect(state.lastFlakyAt).toBeNull();
  });

  it('activates at exactly the threshold, not below it', () => {
    // 1 flaky run in 20: 0.05 ≥ 0.05.
    const at20 = replay([...times(19, E), F]);
    expect(flakeRate(at20.counts)).toBe(0.05);
    expect(at20.state.status).toBe('active');
    // 1 in 21 is under the threshold: the flaky event is remembered but the test is not active.
    const at21 = replay([...times(20, E), F]);
    expect(at21.state).toMatchObject({ status: null, firstDetectedAt: null, lastFlakyAt: at(20) });
    // The next flaky event brings the rate (2/22) over it.
    const later = replay([...times(20, E), F, F]);
    expect(later.state).toMatchObject({
      status: 'active',
      firstDetectedAt: at(21),
      lastFlakyAt: at(21),
    });
    // A raised threshold keeps a 1-in-4 test quiet.
    expect(replay([E, E, E, F], { ...defaults, threshold: 0.3 }).state.status).toBeNull();
  });

  it('resolves after RESOLVE_AFTER_RUNS consecutive clean results, not one earlier', () => {
    const almost = replay([F, ...times(19, E)]);
    expect(almost.state).toMatchObject({ status: 'active', cleanStreak: 19, resolvedAt: null });
    const resolved = replay([F, ...times(20, E)]);
    expect(resolved.state).toEqual({
      status: 'resolved',
      resolution: 'clean-runs',
      firstDetectedAt: at(0),
      lastFlakyAt: at(0),
      resolvedAt: at(20),
      cleanStreak: 20,
      streakAt: at(20),
    });
    // With RESOLVE_AFTER_RUNS=3.
    const quick = replay([F, E, E, E], { ...defaults, resolveAfterRuns: 3 });
    expect(quick.states[2]?.status).toBe('active');
    expect(quick.state).toMatchObject({ status: 'resolved', resolvedAt: at(3) });
  });

  it('restarts the clean streak on a failure or a flaky run; skips leave it unchanged', () => {
    const config = { ...defaults, resolveAfterRuns: 3 };
    const broken = replay([F, E, E, U, E, E], config);
    expect(broken.state).toMatchObject({ status: 'active', cleanStreak: 2 });
    const flakyAgain = replay([F, E, E, F, E, E], config);
    expect(flakyAgain.state).toMatchObject({
      status: 'active',
      cleanStreak: 2,
      lastFlakyAt: at(3),
    });
    const skips = replay([F, E, S, S, E, S], config);
    expect(skips.state).toMatchObject({ status: 'active', cleanStreak: 2 });
    expect(replay([F, E, S, E, S, E], config).state).toMatchObject({
      status: 'resolved',
      resolvedAt: at(5),
    });
  });

  it('re-activates a resolved test on a new flaky event, keeping firstDetectedAt', () => {
    const config = { ...defaults, resolveAfterRuns: 3 };
    const { states, state } = replay([F, E, E, E, E, F], config);
    expect(states[4]).toMatchObject({ status: 'resolved', resolvedAt: at(3) });
    expect(state).toEqual({
      status: 'active',
      resolution: null,
      firstDetectedAt: at(0),
      lastFlakyAt: at(5),
      resolvedAt: null,
      cleanStreak: 0,
      streakAt: at(5),
    });
    // A resolved test is not re-activated by clean results or plain failures.
    expect(replay([F, E, E, E, U, E], config).state.status).toBe('resolved');
  });

  it('keeps the latest lastFlakyAt when results arrive out of order', () => {
    const active: FlakyState = {
      ...initial,
      status: 'active',
      firstDetectedAt: at(5),
      lastFlakyAt: at(5),
    };
    const counts = { runs: 10, flakyRuns: 2, failedRuns: 0, commitFlakes: 0 };
    const next = nextFlakyState(
      active,
      { outcome: 'flaky', at: at(1), commitFlake: false },
      counts,
      defaults,
    );
    expect(next.lastFlakyAt).toEqual(at(5));
  });
});

describe('flaky state over time', () => {
  const day = (d: string, hour = 12) =>
    new Date(`${d}T${String(hour).padStart(2, '0')}:00:00.000Z`);
  const thirty = (today: string): FlakyWindow => ({
    startDay: windowStartDay(30, day(today)),
    days: 30,
  });
  const active: FlakyState = {
    ...initial,
    status: 'active',
    firstDetectedAt: day('2026-10-01'),
    lastFlakyAt: day('2026-10-05', 23),
    streakAt: day('2026-10-05', 23),
  };

  it('counts a window of N days as N whole UTC days ending today', () => {
    expect(windowStartDay(30, day('2026-12-02', 0))).toBe('2026-11-03');
    expect(windowStartDay(30, day('2026-12-02', 23))).toBe('2026-11-03');
    expect(windowStartDay(1, day('2026-12-02'))).toBe('2026-12-02');
    expect(agedOutAt(day('2026-10-05', 23), 30)).toEqual(new Date('2026-11-04T00:00:00.000Z'));
  });

  it('resolves an active test when its last flaky event leaves the window, at that moment', () => {
    // The event of Oct 5 is in the window up to Nov 3 (30 days: Oct 5 … Nov 3), out on Nov 4.
    expect(ageFlakyState(active, thirty('2026-11-03'))).toBe(active);
    expect(ageFlakyState(active, thirty('2026-11-04'))).toEqual({
      ...active,
      status: 'resolved',
      resolution: 'aged-out',
      resolvedAt: new Date('2026-11-04T00:00:00.000Z'),
    });
    // Resolved and never-flaky tests do not age.
    const resolved = { ...active, status: 'resolved' as const, resolution: 'clean-runs' as const };
    expect(ageFlakyState(resolved, thirty('2027-01-01'))).toBe(resolved);
    expect(ageFlakyState(initial, thirty('2027-01-01'))).toBe(initial);
  });

  it('ages the state before a new result, and re-activates on a new flaky event', () => {
    const config = { ...defaults, window: thirty('2026-11-20') };
    const counts = { runs: 10, flakyRuns: 1, failedRuns: 0, commitFlakes: 0 };
    const clean = nextFlakyState(
      active,
      { outcome: 'expected', at: day('2026-11-20'), commitFlake: false },
      { ...counts, flakyRuns: 0 },
      config,
    );
    expect(clean).toMatchObject({ status: 'resolved', resolution: 'aged-out', cleanStreak: 1 });
    const flaky = nextFlakyState(
      active,
      { outcome: 'flaky', at: day('2026-11-20'), commitFlake: false },
      counts,
      config,
    );
    expect(flaky).toMatchObject({
      status: 'active',
      resolution: null,
      resolvedAt: null,
      firstDetectedAt: day('2026-10-01'),
      lastFlakyAt: day('2026-11-20'),
    });
  });

  it('does not activate on a flaky event older than the window', () => {
    const config = { ...defaults, window: thirty('2026-12-01') };
    const counts = { runs: 4, flakyRuns: 2, failedRuns: 0, commitFlakes: 0 };
    const next = nextFlakyState(
      initial,
      { outcome: 'flaky', at: day('2026-10-01'), commitFlake: false },
      counts,
      config,
    );
    expect(next.status).toBeNull();
    expect(next.lastFlakyAt).toEqual(day('2026-10-01'));
  });

  it('follows run start time: a backfilled result neither advances nor resets the streak', () => {
    const config = { ...defaults, resolveAfterRuns: 3 };
    const counts = { runs: 10, flakyRuns: 1, failedRuns: 0, commitFlakes: 0 };
    const streaking: FlakyState = {
      ...initial,
      status: 'active',
      cleanStreak: 2,
      streakAt: at(10),
    };
    for (const outcome of ['expected', 'unexpected', 'flaky'] as const) {
      const next = nextFlakyState(
        streaking,
        { outcome, at: at(4), commitFlake: false },
        counts,
        config,
      );
      expect(next, outcome).toMatchObject({ status: 'active', cleanStreak: 2, streakAt: at(10) });
    }
    // A newer result still moves it, and resolves.
    const newer = nextFlakyState(
      streaking,
      { outcome: 'expected', at: at(11), commitFlake: false },
      counts,
      config,
    );
    expect(newer).toMatchObject({ status: 'resolved', cleanStreak: 3, resolvedAt: at(11) });
  });

  it('lets a backfilled flaky event activate a test, unless later clean runs resolved it', () => {
    const counts = { runs: 10, flakyRuns: 1, failedRuns: 0, commitFlakes: 0 };
    const quiet: FlakyState = { ...initial, cleanStreak: 2, streakAt: at(10) };
    const event = { outcome: 'flaky' as const, at: at(4), commitFlake: false };
    expect(nextFlakyState(quiet, event, counts, defaults)).toMatchObject({
      status: 'active',
      firstDetectedAt: at(4),
      cleanStreak: 2,
    });
    // Enough clean runs after it already: it stays as it is.
    const settled = { ...quiet, cleanStreak: 25 };
    expect(nextFlakyState(settled, event, counts, defaults).status).toBeNull();
    // Resolved after that event: stays resolved.
    const resolved: FlakyState = {
      ...quiet,
      status: 'resolved',
      resolution: 'clean-runs',
      resolvedAt: at(8),
    };
    expect(nextFlakyState(resolved, event, counts, defaults).status).toBe('resolved');
  });
});

describe('quarantine --grep-invert pattern', () => {
  /** The string Playwright matches --grep against (TestCase._grepTitleWithTags in 1.65): the root
   *  suite's empty title, project, file, describe titles each followed by the describe's `tag`
   *  option, the title, then the test's own tags. */
  const grepTitle = (...parts: string[]) => ['', ...parts].join(' ');
  const pay = { projectName: 'alpha', file: 'serial.spec.ts', titlePath: ['checkout flow', 'pay'] };
  const login = { projectName: 'alpha', file: 'auth/login.spec.ts', titlePath: ['login'] };
  const odd = {
    projectName: 'chromium (hi-dpi)',
    file: 'a.spec.ts',
    titlePath: ['v2 (new)', 'a.b*c+d?e^f$g{1}|[j]\\k/l-m'],
  };
  const cart = { projectName: 'alpha', file: 'cart.spec.ts', titlePath: ['cart', 'adds an item'] };
  const pattern = grepInvertPattern([pay, login, odd, cart]) as string;
  const matches = (title: string) => new RegExp(pattern).test(title);

  it('is null with nothing to leave out, and the same whatever the order and repetition', () => {
    expect(grepInvertPattern([])).toBeNull();
    expect(grepInvertPattern([login, pay, login])).toBe(grepInvertPattern([pay, login]));
    const title = odd.titlePath[1] as string;
    expect(new RegExp(`^${escapeRegExp(title)}$`).test(title)).toBe(true);
  });

  it.each([
    grepTitle('alpha', 'serial.spec.ts', 'checkout flow', 'pay'),
    grepTitle('alpha', 'serial.spec.ts', 'checkout flow', 'pay').slice(1),
    grepTitle('alpha', 'auth/login.spec.ts', 'login', '@smoke', '@api'),
    grepTitle('chromium (hi-dpi)', 'a.spec.ts', 'v2 (new)', 'a.b*c+d?e^f$g{1}|[j]\\k/l-m'),
    // A describe's `tag` option comes right after the describe's title.
    grepTitle('alpha', 'cart.spec.ts', 'cart', '@slow', 'adds an item'),
  ])('matches a quarantined test: %s', (title) => {
    expect(matches(title)).toBe(true);
  });

  it.each([
    // Another test of the same file, or the same test in another project or file.
    grepTitle('alpha', 'serial.spec.ts', 'checkout flow', 'confirm'),
    grepTitle('beta', 'serial.spec.ts', 'checkout flow', 'pay'),
    grepTitle('alpha', 'other.spec.ts', 'checkout flow', 'pay'),
    // Titles that contain or extend a quarantined one.
    grepTitle('alpha', 'serial.spec.ts', 'checkout flow', 'prepay'),
    grepTitle('alpha', 'serial.spec.ts', 'checkout flow', 'pay later'),
    grepTitle('alpha', 'auth/login.spec.ts', 'relogin'),
    grepTitle('alpha', 'auth/login.spec.ts', 'login with SSO', '@smoke'),
    grepTitle('alpha', 'auth/login.spec.ts', 'admin', 'login'),
    // Regular-expression characters are literal.
    grepTitle('chromium (hi-dpi)', 'a.spec.ts', 'v2 (new)', 'aXb*c+d?e^f$g{1}|[j]\\k/l-m'),
    grepTitle('chromium (hi-dpi)', 'aXspec.ts', 'v2 (new)', 'a.b*c+d?e^f$g{1}|[j]\\k/l-m'),
    grepTitle('chromium hi-dpi', 'a.spec.ts', 'v2 (new)', 'a.b*c+d?e^f$g{1}|[j]\\k/l-m'),
  ])('leaves other tests in: %s', (title) => {
    expect(matches(title)).toBe(false);
  });
});
