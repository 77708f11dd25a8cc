import type { Outcome } from '../domain/report.ts';
import { DAY_MS, dayOf } from '../domain/window.ts';

/**
 * The flakiness model of DESIGN.md §4, as pure functions. Over a window:
 * - runs: results that are not skipped (mass-failure runs are left out before this point);
 * - flakyRuns: outcome flaky (failed, then passed on retry);
 * - failedRuns: outcome unexpected;
 * - commitFlakes: distinct commits with both a passing and an unexpected result of the test.
 */
export interface WindowCounts {
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  commitFlakes: number;
}

export interface ModelConfig {
  /** FLAKE_THRESHOLD: the flake rate from which a test with a flaky event is flaky (active). */
  threshold: number;
  /** RESOLVE_AFTER_RUNS: consecutive clean results after which an active test is resolved. */
  resolveAfterRuns: number;
}

/** (flakyRuns + commitFlakes) / runs, capped at 1; 0 without runs. */
export function flakeRate(c: WindowCounts): number {
  return c.runs > 0 ? Math.min(1, (c.flakyRuns + c.commitFlakes) / c.runs) : 0;
}

export function failRate(c: WindowCounts): number {
  return c.runs > 0 ? c.failedRuns / c.runs : 0;
}

/** 95% Wilson score interval of a proportion `successes / n`; [0, 1] when n = 0. */
export function wilsonInterval(
  successes: number,
  n: number,
  z = 1.959963984540054,
): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = Math.min(1, Math.max(0, successes / n));
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}

/** A pass for flip counting: the test ended green (expected, or flaky: green after a retry). */
const isPass = (o: Outcome) => o === 'expected' || o === 'flaky';

/**
 * Pass↔fail changes between consecutive non-skipped results of one branch, in order. The flaky
 * list counts the same in SQL (listWindowFlips), over a page of tests at once.
 */
export function countFlips(outcomes: readonly Outcome[]): { flips: number; results: number } {
  let previous: boolean | undefined;
  let flips = 0;
  let results = 0;
  for (const outcome of outcomes) {
    if (outcome === 'skipped') continue;
    const pass = isPass(outcome);
    if (previous !== undefined && pass !== previous) flips += 1;
    previous = pass;
    results += 1;
  }
  return { flips, results };
}

/** flips / (results − 1) summed over branches; 0 with fewer than two results on every branch. */
export function flipRate(perBranch: Iterable<{ flips: number; results: number }>): number {
  let flips = 0;
  let pairs = 0;
  for (const b of perBranch) {
    flips += b.flips;
    pairs += Math.max(0, b.results - 1);
  }
  return pairs > 0 ? flips / pairs : 0;
}

/** Mass-failure guard: more than `ratio` of the non-skipped tests unexpected is an outage. */
export function isMassFailure(
  totals: { total: number; unexpected: number; skipped: number },
  ratio: number,
): boolean {
  const ran = totals.total - totals.skipped;
  return ran > 0 && totals.unexpected > ratio * ran;
}

export type FlakyStatus = 'active' | 'resolved' | null;

/** Why a test stopped being active: enough clean runs, or its last flaky event left the window. */
export type Resolution = 'clean-runs' | 'aged-out';

export interface FlakyState {
  status: FlakyStatus;
  /** Set while resolved. */
  resolution: Resolution | null;
  firstDetectedAt: Date | null;
  lastFlakyAt: Date | null;
  resolvedAt: Date | null;
  /** Consecutive results, in run start order, that were neither flaky nor failed (skips leave it
   *  unchanged). */
  cleanStreak: number;
  /** Start of the latest run counted in the streak: an older (backfilled) result is not part of
   *  the sequence after it. Null before the first. */
  streakAt: Date | null;
}

export interface ResultEvent {
  outcome: Outcome;
  /** The run's start time. */
  at: Date;
  /** This result made its commit flaky (it disagreed with another result on the same commit). */
  commitFlake: boolean;
}

export interface FlakyWindow {
  /** First day (UTC, YYYY-MM-DD) of the default window. */
  startDay: string;
  /** Its length (FLAKE_WINDOW_DAYS). */
  days: number;
}

/** When a flaky event on `at`'s day leaves a `days`-day window: midnight (UTC) `days` days later. */
export function agedOutAt(at: Date, days: number): Date {
  return new Date(Date.parse(`${dayOf(at)}T00:00:00.000Z`) + days * DAY_MS);
}

/**
 * An active test whose last flaky event left the default window is resolved ("aged-out"), at the
 * moment the event left it, whether or not anything was uploaded since.
 */
export function ageFlakyState(state: FlakyState, window: FlakyWindow): FlakyState {
  if (state.status !== 'active' || !state.lastFlakyAt) return state;
  if (dayOf(state.lastFlakyAt) >= window.startDay) return state;
  return {
    ...state,
    status: 'resolved',
    resolution: 'aged-out',
    resolvedAt: agedOutAt(state.lastFlakyAt, window.days),
  };
}

/**
 * The next state of a test after one of its results, given its window counts including that
 * result (the state is aged to the window first). A test becomes active on a flaky event inside
 * the window when its flake rate reaches the threshold; an active test is resolved after
 * `resolveAfterRuns` consecutive clean results in run start order, or when its last flaky event
 * leaves the window (ageFlakyState), and becomes active again on a new flaky event that brings the
 * rate back over the threshold.
 *
 * A backfilled result (its run started before the latest one counted) neither advances nor resets
 * the clean streak: the results after it in start order are already counted. Its flaky event can
 * still make a test active, unless the clean results after it are already enough to resolve it.
 */
export function nextFlakyState(
  current: FlakyState,
  event: ResultEvent,
  window: WindowCounts,
  config: ModelConfig & { window: FlakyWindow },
): FlakyState {
  const state = ageFlakyState(current, config.window);
  if (event.outcome === 'skipped') return state;
  const flakyEvent = event.outcome === 'flaky' || event.commitFlake;
  const next: FlakyState = { ...state };
  if (flakyEvent) {
    next.lastFlakyAt =
      state.lastFlakyAt && state.lastFlakyAt > event.at ? state.lastFlakyAt : event.at;
  }
  const backfilled = state.streakAt !== null && event.at < state.streakAt;
  if (!backfilled) {
    next.cleanStreak =
      event.outcome === 'expected' && !event.commitFlake ? state.cleanStreak + 1 : 0;
    next.streakAt = event.at;
  }

  const inWindow = dayOf(event.at) >= config.window.startDay;
  const hasFlakyEventInWindow = window.flakyRuns + window.commitFlakes > 0;
  const qualifies = inWindow && hasFlakyEventInWindow && flakeRate(window) >= config.threshold;
  const resolvedSince = state.resolvedAt !== null && event.at <= state.resolvedAt;
  if (
    state.status !== 'active' &&
    flakyEvent &&
    qualifies &&
    !(backfilled && (resolvedSince || next.cleanStreak >= config.resolveAfterRuns))
  ) {
    next.status = 'active';
    next.resolution = null;
    next.firstDetectedAt = state.firstDetectedAt ?? event.at;
    next.resolvedAt = null;
  } else if (next.status === 'active' && next.cleanStreak >= config.resolveAfterRuns) {
    next.status = 'resolved';
    next.resolution = 'clean-runs';
    next.resolvedAt = event.at;
  }
  return next;
}
