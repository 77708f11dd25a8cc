/**
 * An independent reference for the flakiness tests (src/flakiness/*.db.test.ts): computes, from the
 * raw Playwright JSON reports a test uploads and the metadata it sends, every number the read API
 * should answer (DESIGN.md §4). Written from the design, not from the app's code: it imports
 * nothing from src/.
 */

import { dayOf, resultsOf, startDay, type RawReport, type RefResult } from './flakiness-reports.ts';

export * from './flakiness-reports.ts';

export interface UploadMeta {
  branch?: string;
  commit?: string;
  pipeline?: string;
  job?: string;
  shard?: string;
}
interface Run {
  key: string;
  order: number;
  branch: string | null;
  commit: string | null;
  parts: Map<string, Part>;
}
interface Part {
  upload: number;
  run: Run;
  startedAt: Date;
  day: string;
  report: RawReport;
  results: RefResult[];
}
export interface TestState {
  status: 'active' | 'resolved' | null;
  resolution: 'clean-runs' | 'aged-out' | null;
  firstDetectedAt: Date | null;
  lastFlakyAt: Date | null;
  resolvedAt: Date | null;
  streak: number;
}
export interface Window {
  days: number;
  branch?: string | undefined;
}
export interface Counts {
  runs: number;
  expectedRuns: number;
  flakyRuns: number;
  failedRuns: number;
  skippedRuns: number;
  commitFlakes: number;
  durationMs: number;
  wastedMs: number;
}
export const zero = (): Counts => ({
  runs: 0,
  expectedRuns: 0,
  flakyRuns: 0,
  failedRuns: 0,
  skippedRuns: 0,
  commitFlakes: 0,
  durationMs: 0,
  wastedMs: 0,
});

function tally(c: Counts, r: RefResult): void {
  c.durationMs += r.durationMs;
  if (r.outcome === 'skipped') c.skippedRuns += 1;
  else c.runs += 1;
  if (r.outcome === 'flaky') {
    c.flakyRuns += 1;
    c.wastedMs += r.failedDurationMs;
  }
  if (r.outcome === 'unexpected') c.failedRuns += 1;
  if (r.outcome === 'expected') c.expectedRuns += 1;
}

/** 95% Wilson score interval of successes / n. */
export function wilson(successes: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const z = 1.959963984540054;
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const margin = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) };
}

export const rate = (c: Pick<Counts, 'runs' | 'flakyRuns' | 'commitFlakes'>) =>
  c.runs > 0 ? Math.min(1, (c.flakyRuns + c.commitFlakes) / c.runs) : 0;

/**
 * The uploads of one project, in order, and what they should make of it. Everything is derived
 * from the parts still stored, replayed in upload order: as if each had been uploaded once.
 */
export class Ledger {
  private readonly runs = new Map<string, Run>();
  private readonly seen = new Map<string, string>();
  /** The latest result of every test seen, for its title, file and project. */
  readonly info = new Map<string, RefResult>();
  readonly config: {
    threshold: number;
    resolveAfterRuns: number;
    windowDays: number;
    massRatio: number;
  };

  constructor(config: Partial<Ledger['config']> = {}) {
    this.config = {
      threshold: 0.05,
      resolveAfterRuns: 20,
      windowDays: 30,
      massRatio: 0.8,
      ...config,
    };
  }

  /** Records an upload of `body` (the exact JSON sent) and says what the answer should hold. */
  add(body: string, meta: UploadMeta) {
    const before = this.states();
    const known = this.seen.get(body);
    if (known !== undefined)
      return { duplicate: true, ...this.runFacts(known, before), newlyDetected: [] };
    const report = JSON.parse(body) as RawReport;
    const runKey = meta.pipeline
      ? `${meta.pipeline}|${meta.job ?? ''}`
      : `upload-${this.seen.size}`;
    const run = this.runs.get(runKey) ?? {
      key: runKey,
      order: this.runs.size,
      branch: meta.branch ?? null,
      commit: meta.commit ?? null,
      parts: new Map<string, Part>(),
    };
    this.runs.set(runKey, run);
    const { shard } = report.config;
    const startedAt = new Date(report.stats.startTime);
    const results = resultsOf(report);
    for (const r of results) this.info.set(r.key, r);
    run.parts.set(meta.shard ?? (shard ? `${shard.current}/${shard.total}` : ''), {
      upload: this.seen.size,
      run,
      startedAt,
      day: dayOf(startedAt),
      report,
      results,
    });
    this.seen.set(body, runKey);
    const after = this.states();
    const detected = [...after].filter(
      ([k, s]) => s.status === 'active' && before.get(k)?.status !== 'active',
    );
    return {
      duplicate: false,
      ...this.runFacts(runKey, after),
      newlyDetected: detected.map(([k]) => k).sort(),
    };
  }

  private runFacts(runKey: string, states: Map<string, TestState>) {
    const run = this.runs.get(runKey) as Run;
    const results = [...run.parts.values()].flatMap((p) => p.results);
    const active = new Set([...states].filter(([, s]) => s.status === 'active').map(([k]) => k));
    const runErrors = [...run.parts.values()].some((p) => (p.report.errors ?? []).length > 0);
    return {
      runKey,
      inRun: [...new Set(results.filter((r) => r.outcome === 'flaky').map((r) => r.key))].sort(),
      activeCount: active.size,
      allFailuresQuarantined:
        !runErrors && results.every((r) => r.outcome !== 'unexpected' || active.has(r.key)),
    };
  }

  /** Mass-failure guard over all stored parts of the run. */
  excluded(run: Run): boolean {
    const parts = [...run.parts.values()].map((p) => p.report.stats);
    const ran = parts.reduce((s, p) => s + p.expected + p.unexpected + p.flaky, 0);
    return ran > 0 && parts.reduce((s, p) => s + p.unexpected, 0) > this.config.massRatio * ran;
  }

  runStatus(runKey: string): 'failed' | 'passed' {
    const parts = [...(this.runs.get(runKey) as Run).parts.values()];
    return parts.some((p) => p.results.some((r) => r.outcome === 'unexpected'))
      ? 'failed'
      : 'passed';
  }

  /** Stored parts in upload order (with those of excluded runs, or only the counted ones). */
  parts(counted = false): Part[] {
    return [...this.runs.values()]
      .filter((run) => !counted || !this.excluded(run))
      .flatMap((r) => [...r.parts.values()])
      .sort((a, b) => a.upload - b.upload);
  }

  /**
   * Replays the counted parts in upload order: where each (test, commit) became a flake (the day
   * and branch of the part that made it one), and the flaky state machine of every test, fed with
   * the default window's counts after each part.
   */
  replay() {
    const start = startDay(this.config.windowDays);
    const counts = new Map<string, Counts>();
    const states = new Map<string, TestState>();
    const commits = new Map<string, { pass: boolean; fail: boolean }>();
    const flakes: { key: string; day: string; branch: string }[] = [];
    for (const part of this.parts(true)) {
      const inWindow = part.day >= start;
      const madeFlake = new Set<string>();
      for (const r of part.results) {
        const c = counts.get(r.key) ?? zero();
        counts.set(r.key, c);
        if (inWindow) tally(c, r);
        if (r.outcome === 'skipped' || part.run.commit === null) continue;
        const id = JSON.stringify([r.key, part.run.commit]);
        const commit = commits.get(id) ?? { pass: false, fail: false };
        commits.set(id, commit);
        const was = commit.pass && commit.fail;
        commit[r.outcome === 'unexpected' ? 'fail' : 'pass'] = true;
        if (was || !commit.fail || !commit.pass) continue;
        madeFlake.add(r.key);
        flakes.push({ key: r.key, day: part.day, branch: part.run.branch ?? '' });
        if (inWindow) c.commitFlakes += 1;
      }
      for (const r of part.results) {
        if (r.outcome === 'skipped') continue;
        const s = states.get(r.key) ?? {
          status: null,
          resolution: null,
          firstDetectedAt: null,
          lastFlakyAt: null,
          resolvedAt: null,
          streak: 0,
        };
        states.set(r.key, s);
        const c = counts.get(r.key) as Counts;
        const flakyEvent = r.outcome === 'flaky' || madeFlake.has(r.key);
        if (flakyEvent && !(s.lastFlakyAt && s.lastFlakyAt > part.startedAt))
          s.lastFlakyAt = part.startedAt;
        s.streak = r.outcome === 'expected' && !madeFlake.has(r.key) ? s.streak + 1 : 0;
        const qualifies = c.flakyRuns + c.commitFlakes > 0 && rate(c) >= this.config.threshold;
        if (s.status !== 'active' && flakyEvent && qualifies) {
          s.status = 'active';
          s.resolution = null;
          s.firstDetectedAt ??= part.startedAt;
          s.resolvedAt = null;
        } else if (s.status === 'active' && s.streak >= this.config.resolveAfterRuns) {
          s.status = 'resolved';
          s.resolution = 'clean-runs';
          s.resolvedAt = part.startedAt;
        }
      }
    }
    return { states, flakes };
  }

  /** The states as of today: an active test whose last flaky event is no longer inside the
   *  default window was resolved ("aged-out") at the midnight that event left it. */
  states(): Map<string, TestState> {
    const states = this.replay().states;
    const start = startDay(this.config.windowDays);
    for (const s of states.values()) {
      if (s.status !== 'active' || !s.lastFlakyAt || dayOf(s.lastFlakyAt) >= start) continue;
      s.status = 'resolved';
      s.resolution = 'aged-out';
      s.resolvedAt = new Date(
        Date.parse(`${dayOf(s.lastFlakyAt)}T00:00:00Z`) + this.config.windowDays * 86_400_000,
      );
    }
    return states;
  }

  private inWindow(w: Window, day: string, branch: string | null): boolean {
    return day >= startDay(w.days) && (w.branch === undefined || (branch ?? '') === w.branch);
  }

  /** Counters over the window, per test (`by: 'test'`) or per day (`by: 'day'`). */
  counts(w: Window, by: 'test' | 'day' = 'test'): Map<string, Counts> {
    const out = new Map<string, Counts>();
    const get = (id: string) => out.get(id) ?? (out.set(id, zero()).get(id) as Counts);
    for (const part of this.parts(true)) {
      if (!this.inWindow(w, part.day, part.run.branch)) continue;
      for (const r of part.results) tally(get(by === 'test' ? r.key : part.day), r);
    }
    for (const f of this.replay().flakes) {
      if (this.inWindow(w, f.day, f.branch)) get(by === 'test' ? f.key : f.day).commitFlakes += 1;
    }
    return out;
  }

  /** flips / Σ(results − 1) over the branches: counted results in the window, in run order. */
  flipRate(key: string, w: Window): number {
    const byBranch = new Map<string, { at: number; order: number; pass: boolean }[]>();
    const since = Date.parse(`${startDay(w.days)}T00:00:00Z`);
    for (const part of this.parts(true)) {
      if (
        part.startedAt.getTime() < since ||
        (w.branch !== undefined && part.run.branch !== w.branch)
      )
        continue;
      for (const r of part.results) {
        if (r.key !== key || r.outcome === 'skipped') continue;
        const list = byBranch.get(part.run.branch ?? '') ?? [];
        list.push({
          at: part.startedAt.getTime(),
          order: part.run.order,
          pass: r.outcome !== 'unexpected',
        });
        byBranch.set(part.run.branch ?? '', list);
      }
    }
    let flips = 0;
    let pairs = 0;
    for (const list of byBranch.values()) {
      list.sort((a, b) => a.at - b.at || a.order - b.order);
      flips += list.filter((x, i) => i > 0 && x.pass !== list[i - 1]?.pass).length;
      pairs += Math.max(0, list.length - 1);
    }
    return pairs > 0 ? flips / pairs : 0;
  }

  /** Everything the API says about one test over the window (dates as ISO strings). */
  item(key: string, w: Window) {
    const c = this.counts(w).get(key) ?? zero();
    const s = this.states().get(key);
    const r = this.info.get(key) as RefResult;
    const interval = wilson(Math.min(c.runs, c.flakyRuns + c.commitFlakes), c.runs);
    const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
    const seen = this.parts(true).filter((p) => p.results.some((x) => x.key === key));
    return {
      title: r.title,
      titlePath: r.titlePath,
      file: r.file,
      projectName: r.projectName,
      runs: c.runs,
      flakyRuns: c.flakyRuns,
      failedRuns: c.failedRuns,
      commitFlakes: c.commitFlakes,
      flakeRate: rate(c),
      flakeRateLow: interval.low,
      flakeRateHigh: interval.high,
      failRate: c.runs > 0 ? c.failedRuns / c.runs : 0,
      flipRate: this.flipRate(key, w),
      wastedMs: c.wastedMs,
      status: s?.status ?? null,
      resolution: s?.resolution ?? null,
      firstDetectedAt: iso(s?.firstDetectedAt),
      lastFlakyAt: iso(s?.lastFlakyAt),
      resolvedAt: iso(s?.resolvedAt),
      lastSeenAt: iso(
        seen.length ? new Date(Math.max(...seen.map((p) => p.startedAt.getTime()))) : null,
      ),
    };
  }

  /** Stored results of a test (excluded runs too), newest first. */
  history(key: string, w: Window) {
    const since = Date.parse(`${startDay(w.days)}T00:00:00Z`);
    return this.parts()
      .filter(
        (p) =>
          p.startedAt.getTime() >= since && (w.branch === undefined || p.run.branch === w.branch),
      )
      .flatMap((part) =>
        part.results.filter((r) => r.key === key).map((result) => ({ part, result })),
      )
      .sort(
        (a, b) =>
          b.part.startedAt.getTime() - a.part.startedAt.getTime() ||
          b.part.run.order - a.part.run.order,
      );
  }

  /** Stored failing results (unexpected or flaky, with an error) in the window, by message. */
  errorGroups(days: number) {
    const since = Date.parse(`${startDay(days)}T00:00:00Z`);
    const groups = new Map<
      string,
      { failures: number; keys: Set<string>; runs: Set<string>; at: number[] }
    >();
    for (const part of this.parts()) {
      if (part.startedAt.getTime() < since) continue;
      for (const r of part.results) {
        if ((r.outcome !== 'unexpected' && r.outcome !== 'flaky') || r.errorMessage === null)
          continue;
        const g = groups.get(r.errorMessage) ?? {
          failures: 0,
          keys: new Set(),
          runs: new Set(),
          at: [],
        };
        groups.set(r.errorMessage, g);
        g.failures += 1;
        g.keys.add(r.key);
        g.runs.add(part.run.key);
        g.at.push(part.startedAt.getTime());
      }
    }
    return [...groups].map(([message, g]) => ({
      message,
      failures: g.failures,
      tests: g.keys.size,
      runs: g.runs.size,
      firstSeenAt: new Date(Math.min(...g.at)).toISOString(),
      lastSeenAt: new Date(Math.max(...g.at)).toISOString(),
      keys: [...g.keys],
    }));
  }
}
