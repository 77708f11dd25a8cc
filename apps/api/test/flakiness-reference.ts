/**
 * An independent reference for the flakiness tests (src/flakiness/*.db.test.ts): computes, from the
 * raw Playwright JSON reports a test uploads and the metadata it sends, every number the read API
 * should answer (DESIGN.md §4). Written from the design, not from the app's code: it imports
 * nothing from src/.
 */

export type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

interface RawAttempt {
  status: string;
  duration: number;
  startTime: string;
  error?: { message?: string; value?: string };
}
interface RawTest {
  projectName: string;
  status: string;
  expectedStatus: string;
  results: RawAttempt[];
}
interface RawSpec {
  title: string;
  file: string;
  tests: RawTest[];
}
interface RawSuite {
  title: string;
  file?: string;
  specs?: RawSpec[];
  suites?: RawSuite[];
}
export interface RawReport {
  config: { shard?: { current: number; total: number } | null; [key: string]: unknown };
  suites: RawSuite[];
  stats: {
    startTime: string;
    duration: number;
    expected: number;
    unexpected: number;
    flaky: number;
    skipped: number;
  };
  errors?: unknown[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Noon (UTC) `daysAgo` days before today, plus `seconds`. */
export function noon(daysAgo: number, seconds = 0, now = new Date()): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - daysAgo * DAY_MS + 12 * 3_600_000 + seconds * 1000);
}

/** First day (YYYY-MM-DD, UTC) of a window of `days` days ending today. */
export function startDay(days: number, now = new Date()): string {
  return new Date(now.getTime() - (days - 1) * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `first` to today, oldest first. */
export function daysFrom(first: string, now = new Date()): string[] {
  const out: string[] = [];
  const last = now.toISOString().slice(0, 10);
  for (let d = Date.parse(`${first}T00:00:00Z`); ; d += DAY_MS) {
    const day = new Date(d).toISOString().slice(0, 10);
    if (day > last) return out;
    out.push(day);
  }
}

/** A copy of the report moved in time so that it starts at `start` (attempts move along). */
export function placeAt(report: RawReport, start: Date): RawReport {
  const copy = structuredClone(report);
  const delta = start.getTime() - Date.parse(report.stats.startTime);
  copy.stats.startTime = start.toISOString();
  const visit = (suite: RawSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        for (const a of test.results) a.startTime = new Date(Date.parse(a.startTime) + delta).toISOString();
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  copy.suites.forEach(visit);
  return copy;
}

export interface RefResult {
  key: string;
  projectName: string;
  file: string;
  titlePath: string[];
  title: string;
  outcome: Outcome;
  expectedStatus: string;
  attempts: number;
  finalStatus: string | null;
  durationMs: number;
  failedDurationMs: number;
  errorMessage: string | null;
}

// eslint-disable-next-line no-control-regex -- colour codes are control sequences
const stripColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

export const testKey = (projectName: string, file: string, titlePath: readonly string[]) =>
  JSON.stringify([projectName, file, titlePath]);

/** One result per test of the report, read straight from the JSON. */
export function resultsOf(report: RawReport): RefResult[] {
  const out: RefResult[] = [];
  const visit = (suite: RawSuite, describes: string[]) => {
    for (const spec of suite.specs ?? []) {
      const titlePath = [...describes, spec.title];
      for (const test of spec.tests) {
        const failed = test.results.filter(
          (a) => a.status !== test.expectedStatus && a.status !== 'skipped' && a.status !== 'interrupted',
        );
        const withError = test.results.filter((a) => a.error).at(-1)?.error;
        out.push({
          key: testKey(test.projectName, spec.file, titlePath),
          projectName: test.projectName,
          file: spec.file,
          titlePath,
          title: spec.title,
          outcome: test.status as Outcome,
          expectedStatus: test.expectedStatus,
          attempts: test.results.length,
          finalStatus: test.results.at(-1)?.status ?? null,
          durationMs: Math.round(test.results.reduce((sum, a) => sum + a.duration, 0)),
          failedDurationMs: Math.round(failed.reduce((sum, a) => sum + a.duration, 0)),
          errorMessage: withError ? stripColours(withError.message ?? withError.value ?? '') : null,
        });
      }
    }
    for (const child of suite.suites ?? []) {
      visit(child, child.title === '' ? describes : [...describes, child.title]);
    }
  };
  for (const file of report.suites) visit(file, []);
  return out;
}

export interface UploadMeta {
  branch?: string;
  commit?: string;
  pipeline?: string;
  job?: string;
  shard?: string;
}

interface Part {
  upload: number;
  run: Run;
  startedAt: Date;
  day: string;
  report: RawReport;
  results: RefResult[];
}
interface Run {
  key: string;
  order: number;
  branch: string | null;
  commit: string | null;
  parts: Map<string, Part>;
}

export interface TestState {
  status: 'active' | 'resolved' | null;
  firstDetectedAt: Date | null;
  lastFlakyAt: Date | null;
  resolvedAt: Date | null;
  streak: number;
}

export interface UploadExpectation {
  duplicate: boolean;
  runKey: string;
  inRun: string[];
  newlyDetected: string[];
  activeCount: number;
  allFailuresQuarantined: boolean;
}

export interface Window {
  days: number;
  branch?: string | undefined;
}

export interface Counts {
  runs: number;
  flakyRuns: number;
  failedRuns: number;
  skippedRuns: number;
  commitFlakes: number;
  durationMs: number;
  wastedMs: number;
}

const zero = (): Counts => ({
  runs: 0,
  flakyRuns: 0,
  failedRuns: 0,
  skippedRuns: 0,
  commitFlakes: 0,
  durationMs: 0,
  wastedMs: 0,
});

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

export const rate = (c: Counts) => (c.runs > 0 ? Math.min(1, (c.flakyRuns + c.commitFlakes) / c.runs) : 0);

/**
 * The uploads of one project, in order, and what they should make of it. States are replayed from
 * the parts that are still stored, in upload order, as if each had been uploaded once.
 */
export class Ledger {
  private readonly runs = new Map<string, Run>();
  private readonly seen = new Map<string, string>();
  private uploads = 0;
  readonly config: { threshold: number; resolveAfterRuns: number; windowDays: number; massRatio: number };

  constructor(config: Partial<Ledger['config']> = {}) {
    this.config = { threshold: 0.05, resolveAfterRuns: 20, windowDays: 30, massRatio: 0.8, ...config };
  }

  /** Records an upload of `body` (the exact JSON sent) and says what the answer should hold. */
  add(body: string, meta: UploadMeta): UploadExpectation {
    const before = this.states();
    const known = this.seen.get(body);
    if (known !== undefined) {
      return { duplicate: true, ...this.runFacts(known, before), newlyDetected: [] };
    }
    const report = JSON.parse(body) as RawReport;
    const upload = this.uploads++;
    const runKey = meta.pipeline ? `${meta.pipeline}|${meta.job ?? ''}` : `upload-${upload}`;
    let run = this.runs.get(runKey);
    if (!run) {
      run = { key: runKey, order: this.runs.size, branch: meta.branch ?? null, commit: meta.commit ?? null, parts: new Map() };
      this.runs.set(runKey, run);
    }
    const shard = meta.shard ?? (report.config.shard ? `${report.config.shard.current}/${report.config.shard.total}` : '');
    const startedAt = new Date(report.stats.startTime);
    run.parts.set(shard, { upload, run, startedAt, day: startedAt.toISOString().slice(0, 10), report, results: resultsOf(report) });
    this.seen.set(body, runKey);
    const after = this.states();
    const newlyDetected = [...after].filter(([k, s]) => s.status === 'active' && before.get(k)?.status !== 'active');
    return { duplicate: false, ...this.runFacts(runKey, after), newlyDetected: newlyDetected.map(([k]) => k).sort() };
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
      allFailuresQuarantined: !runErrors && results.every((r) => r.outcome !== 'unexpected' || active.has(r.key)),
    };
  }

  excluded(run: Run): boolean {
    let ran = 0;
    let unexpected = 0;
    for (const p of run.parts.values()) {
      const s = p.report.stats;
      ran += s.expected + s.unexpected + s.flaky;
      unexpected += s.unexpected;
    }
    return ran > 0 && unexpected > this.config.massRatio * ran;
  }

  /** Stored parts, in upload order. */
  parts(): Part[] {
    return [...this.runs.values()].flatMap((r) => [...r.parts.values()]).sort((a, b) => a.upload - b.upload);
  }

  counted(): Part[] {
    return this.parts().filter((p) => !this.excluded(p.run));
  }

  /** 'failed' when a stored part of the run has an unexpected result, else 'passed'. */
  runStatus(runKey: string): string {
    const run = this.runs.get(runKey) as Run;
    const failed = [...run.parts.values()].some((p) => p.results.some((r) => r.outcome === 'unexpected'));
    return failed ? 'failed' : 'passed';
  }

  /** Where each (test, commit) became a flake: the day and branch of the part that made it one. */
  commitFlakes(): { key: string; day: string; branch: string }[] {
    const commits = new Map<string, { pass: boolean; fail: boolean }>();
    const out: { key: string; day: string; branch: string }[] = [];
    for (const part of this.counted()) {
      if (part.run.commit === null) continue;
      for (const r of part.results) {
        if (r.outcome === 'skipped') continue;
        const id = `${r.key}@${part.run.commit}`;
        const c = commits.get(id) ?? { pass: false, fail: false };
        const was = c.pass && c.fail;
        if (r.outcome === 'unexpected') c.fail = true;
        else c.pass = true;
        commits.set(id, c);
        if (!was && c.pass && c.fail) out.push({ key: r.key, day: part.day, branch: part.run.branch ?? '' });
      }
    }
    return out;
  }

  /** The flaky state of every test after the stored parts, replayed in upload order. */
  states(): Map<string, TestState> {
    const start = startDay(this.config.windowDays);
    const counts = new Map<string, Counts>();
    const states = new Map<string, TestState>();
    const commits = new Map<string, { pass: boolean; fail: boolean }>();
    for (const part of this.counted()) {
      const inWindow = part.day >= start;
      const madeFlake = new Set<string>();
      for (const r of part.results) {
        const c = counts.get(r.key) ?? zero();
        counts.set(r.key, c);
        if (r.outcome === 'skipped') continue;
        if (inWindow) {
          c.runs += 1;
          if (r.outcome === 'flaky') c.flakyRuns += 1;
          if (r.outcome === 'unexpected') c.failedRuns += 1;
        }
        if (part.run.commit === null) continue;
        const id = `${r.key}@${part.run.commit}`;
        const cs = commits.get(id) ?? { pass: false, fail: false };
        const was = cs.pass && cs.fail;
        if (r.outcome === 'unexpected') cs.fail = true;
        else cs.pass = true;
        commits.set(id, cs);
        if (!was && cs.pass && cs.fail) {
          madeFlake.add(r.key);
          if (inWindow) c.commitFlakes += 1;
        }
      }
      for (const r of part.results) {
        if (r.outcome === 'skipped') continue;
        const s = states.get(r.key) ?? { status: null, firstDetectedAt: null, lastFlakyAt: null, resolvedAt: null, streak: 0 };
        states.set(r.key, s);
        const c = counts.get(r.key) as Counts;
        const flakyEvent = r.outcome === 'flaky' || madeFlake.has(r.key);
        if (flakyEvent && (s.lastFlakyAt === null || part.startedAt > s.lastFlakyAt)) s.lastFlakyAt = part.startedAt;
        s.streak = r.outcome === 'expected' && !madeFlake.has(r.key) ? s.streak + 1 : 0;
        const qualifies = c.flakyRuns + c.commitFlakes > 0 && rate(c) >= this.config.threshold;
        if (s.status !== 'active' && flakyEvent && qualifies) {
          s.status = 'active';
          s.firstDetectedAt ??= part.startedAt;
          s.resolvedAt = null;
        } else if (s.status === 'active' && s.streak >= this.config.resolveAfterRuns) {
          s.status = 'resolved';
          s.resolvedAt = part.startedAt;
        }
      }
    }
    return states;
  }

  private inWindow(part: Part, w: Window): boolean {
    return part.day >= startDay(w.days) && (w.branch === undefined || (part.run.branch ?? '') === w.branch);
  }

  /** Per test counters over the window (tests with any counted result in it). */
  counts(w: Window): Map<string, Counts> {
    const out = new Map<string, Counts>();
    for (const part of this.counted()) {
      if (!this.inWindow(part, w)) continue;
      for (const r of part.results) {
        const c = out.get(r.key) ?? zero();
        out.set(r.key, c);
        c.durationMs += r.durationMs;
        if (r.outcome === 'skipped') c.skippedRuns += 1;
        else c.runs += 1;
        if (r.outcome === 'flaky') {
          c.flakyRuns += 1;
          c.wastedMs += r.failedDurationMs;
        }
        if (r.outcome === 'unexpected') c.failedRuns += 1;
      }
    }
    for (const f of this.commitFlakes()) {
      if (f.day < startDay(w.days) || (w.branch !== undefined && f.branch !== w.branch)) continue;
      (out.get(f.key) as Counts).commitFlakes += 1;
    }
    return out;
  }

  /** Per day counters of the whole project over the window. */
  trend(w: Window): Map<string, Counts> {
    const out = new Map<string, Counts>();
    for (const part of this.counted()) {
      if (!this.inWindow(part, w)) continue;
      const c = out.get(part.day) ?? zero();
      out.set(part.day, c);
      for (const r of part.results) {
        c.durationMs += r.durationMs;
        if (r.outcome === 'skipped') c.skippedRuns += 1;
        else c.runs += 1;
        if (r.outcome === 'flaky') {
          c.flakyRuns += 1;
          c.wastedMs += r.failedDurationMs;
        }
        if (r.outcome === 'unexpected') c.failedRuns += 1;
      }
    }
    for (const f of this.commitFlakes()) {
      if (f.day < startDay(w.days) || (w.branch !== undefined && f.branch !== w.branch)) continue;
      (out.get(f.day) as Counts).commitFlakes += 1;
    }
    return out;
  }

  /** flips / Σ(results − 1) over the branches, results of counted runs in the window in run order. */
  flipRate(key: string, w: Window): number {
    const byBranch = new Map<string, { at: number; order: number; pass: boolean }[]>();
    const since = Date.parse(`${startDay(w.days)}T00:00:00Z`);
    for (const part of this.counted()) {
      if (part.startedAt.getTime() < since) continue;
      if (w.branch !== undefined && part.run.branch !== w.branch) continue;
      for (const r of part.results) {
        if (r.key !== key || r.outcome === 'skipped') continue;
        const list = byBranch.get(part.run.branch ?? '') ?? [];
        list.push({ at: part.startedAt.getTime(), order: part.run.order, pass: r.outcome !== 'unexpected' });
        byBranch.set(part.run.branch ?? '', list);
      }
    }
    let flips = 0;
    let pairs = 0;
    for (const list of byBranch.values()) {
      list.sort((a, b) => a.at - b.at || a.order - b.order);
      for (let i = 1; i < list.length; i++) if (list[i]?.pass !== list[i - 1]?.pass) flips += 1;
      pairs += Math.max(0, list.length - 1);
    }
    return pairs > 0 ? flips / pairs : 0;
  }

  /** Latest start of a counted part holding the test. */
  lastSeen(key: string): Date | null {
    let last: Date | null = null;
    for (const part of this.counted()) {
      if (part.results.some((r) => r.key === key) && (last === null || part.startedAt > last)) last = part.startedAt;
    }
    return last;
  }

  /** Stored results of a test (excluded runs too), newest first. */
  history(key: string, w: Window) {
    const since = Date.parse(`${startDay(w.days)}T00:00:00Z`);
    return this.parts()
      .filter((p) => p.startedAt.getTime() >= since && (w.branch === undefined || p.run.branch === w.branch))
      .flatMap((p) => p.results.filter((r) => r.key === key).map((r) => ({ part: p, result: r })))
      .sort((a, b) => b.part.startedAt.getTime() - a.part.startedAt.getTime() || b.part.run.order - a.part.run.order);
  }

  /** Failing results (unexpected, or flaky) with an error in the window, grouped by message. */
  errorGroups(days: number) {
    const since = Date.parse(`${startDay(days)}T00:00:00Z`);
    const groups = new Map<string, { failures: number; tests: Set<string>; runs: Set<string>; first: number; last: number }>();
    for (const part of this.parts()) {
      if (part.startedAt.getTime() < since) continue;
      for (const r of part.results) {
        if ((r.outcome !== 'unexpected' && r.outcome !== 'flaky') || r.errorMessage === null) continue;
        const g = groups.get(r.errorMessage) ?? { failures: 0, tests: new Set(), runs: new Set(), first: Infinity, last: -Infinity };
        groups.set(r.errorMessage, g);
        g.failures += 1;
        g.tests.add(r.key);
        g.runs.add(part.run.key);
        g.first = Math.min(g.first, part.startedAt.getTime());
        g.last = Math.max(g.last, part.startedAt.getTime());
      }
    }
    return [...groups].map(([message, g]) => ({
      message,
      failures: g.failures,
      tests: g.tests.size,
      runs: g.runs.size,
      firstSeenAt: new Date(g.first).toISOString(),
      lastSeenAt: new Date(g.last).toISOString(),
      keys: [...g.tests],
    }));
  }
}
