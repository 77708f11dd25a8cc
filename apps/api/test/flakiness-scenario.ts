import { rm } from 'node:fs/promises';
import { expect } from 'vitest';
import { createProject, uploadReport, type TestApp } from './harness.ts';
import { loadReport, runPlaywright } from './fixtures/reports.ts';
import {
  daysFrom,
  Ledger,
  noon,
  rate,
  startDay,
  wilson,
  zero,
  placeAt,
  testKey,
  type RawReport,
  type UploadMeta,
  type Window,
} from './flakiness-reference.ts';

/**
 * Shared by the flakiness tests: real reports, a project whose uploads go both through the app and
 * into the reference Ledger, and the expectations the Ledger gives for the read API.
 */

/** Runs the fixture project with FLK_* switches (see fixtures/playwright-project/control.ts). */
export async function generate(args: string[], env: Record<string, string>): Promise<RawReport> {
  const run = await runPlaywright(['test', ...args], env);
  await rm(run.dir, { recursive: true, force: true });
  if (!run.report) throw new Error(`playwright wrote no report: ${run.stderr}`);
  return run.report as RawReport;
}

export const everyTitle = [
  'passes with output and steps',
  'flaky on first attempt',
  'always fails',
  'alpha only',
  'tagged with details',
  'title tag @fast',
  'deep test',
  'sibling test',
  'add to cart',
  'pay',
  'confirm',
].join(',');

/** 9 of the 10 alpha tests that run fail (pay and confirm are skipped after add to cart): an outage. */
export const generateOutage = () =>
  generate(['--project=alpha', '--retries=0'], { FLK_FAIL: everyTitle });

export const committed = () => ({
  /** Every test passes (test.fail() ones fail as expected); 5 skipped. */
  pass: loadReport('all-pass') as RawReport,
  /** flaky on first attempt and pay are flaky, always fails fails, in both projects. */
  basic: loadReport('basic') as RawReport,
  /** basic's alpha tests. */
  shard1: loadReport('shard-1-of-2') as RawReport,
  /** basic's beta tests. */
  shard2: loadReport('shard-2-of-2') as RawReport,
});

export interface Answer {
  run: { id: string; parts: number; excludedFromStats: boolean; [key: string]: unknown };
  flaky: { inRun: string[]; newlyDetected: string[]; activeCount: number };
  quarantine: { allFailuresQuarantined: boolean };
}

export const byId = (a: string, b: string) => Number(a) - Number(b);

/** Query string of a window (days left out when it is the default 30) plus extra parameters. */
export function query(w: Window, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    ...(w.days !== 30 ? { days: String(w.days) } : {}),
    ...(w.branch !== undefined ? { branch: w.branch } : {}),
    ...extra,
  }).toString();
}

/** Reads (and computes expectations) within one UTC day: tried again if midnight passed. */
export async function sameDay<T>(read: () => Promise<T>): Promise<T> {
  const day = new Date().toISOString().slice(0, 10);
  const value = await read();
  return new Date().toISOString().slice(0, 10) === day ? value : read();
}

export type Sort = 'flakeRate' | 'lastSeen' | 'title' | 'runs';

// Not part of the contract (DESIGN.md §5), so not compared where the API adds it.
type Stats = { trend: Record<string, unknown>[] } & Record<string, unknown>;
export function withoutExpectedRuns({ expectedRuns: _, trend, ...stats }: Stats) {
  return { ...stats, trend: trend.map(({ expectedRuns: _e, ...day }) => day) };
}

/** A project of the app, with the reference's view of what was uploaded to it. */
export class TrackedProject {
  /** Test key (testKey) → test id, and back. */
  readonly ids = new Map<string, string>();
  readonly keys = new Map<string, string>();
  /** Ledger run key → run id. */
  readonly runIds = new Map<string, string>();
  readonly answers: { expected: ReturnType<Ledger['add']>; answer: Answer; status: number }[] = [];

  private constructor(
    readonly t: TestApp,
    readonly ledger: Ledger,
    readonly project: { id: string; slug: string },
    readonly token: string,
  ) {}

  static async create(t: TestApp, ledger = new Ledger()): Promise<TrackedProject> {
    const { project, token } = await createProject(t);
    return new TrackedProject(t, ledger, project, token);
  }

  /** The same project and reference, read through another app (e.g. restarted on its data). */
  through(t: TestApp): TrackedProject {
    const copy = new TrackedProject(t, this.ledger, this.project, this.token);
    for (const [k, v] of this.ids) copy.ids.set(k, v);
    for (const [k, v] of this.keys) copy.keys.set(k, v);
    for (const [k, v] of this.runIds) copy.runIds.set(k, v);
    copy.answers.push(...this.answers);
    return copy;
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.t.request(path, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    expect(response.status, `${path}: ${response.status}`).toBe(200);
    return (await response.json()) as T;
  }

  /**
   * Uploads a part whose branch or commit contradicts its run's (as the Ledger sees it) and checks
   * that it is refused with 409, naming both values. The Ledger records nothing.
   */
  async sendRefused(report: RawReport, meta: UploadMeta) {
    const conflicts = this.ledger.conflicts(meta);
    expect(conflicts).not.toBeNull();
    const response = await uploadReport(this.t, this.token, JSON.stringify(report), {
      query: { ...meta },
    });
    expect(response.status).toBe(409);
    const refused = (await response.json()) as { error: { message: string } };
    expect(refused).toEqual({
      error: { code: 'conflict', message: expect.any(String), details: conflicts },
    });
    for (const value of [conflicts?.run, conflicts?.part].flatMap((v) => Object.values(v ?? {}))) {
      expect(refused.error.message).toContain(`"${value}"`);
    }
  }

  /** Uploads `body` (by default the report as JSON) and records it in the Ledger. */
  async send(report: RawReport, meta: UploadMeta = {}, body = JSON.stringify(report)) {
    const expected = this.ledger.add(body, meta);
    const response = await uploadReport(this.t, this.token, body, { query: { ...meta } });
    const answer = (await response.json()) as Answer;
    expect([200, 201], JSON.stringify(answer)).toContain(response.status);
    this.answers.push({ expected, answer, status: response.status });
    this.runIds.set(expected.runKey, answer.run.id);
    const detail = await this.get<{
      results: { testId: string; projectName: string; file: string; titlePath: string[] }[];
    }>(`/api/v1/runs/${answer.run.id}`);
    for (const r of detail.results) {
      this.ids.set(testKey(r.projectName, r.file, r.titlePath), r.testId);
      this.keys.set(r.testId, testKey(r.projectName, r.file, r.titlePath));
    }
    return answer;
  }

  idsOf(keys: readonly string[]): string[] {
    return keys.map((k) => this.ids.get(k) as string).sort(byId);
  }

  /** The upload answer's flakiness fields as the Ledger says they should be. */
  expectedAnswer(expected: ReturnType<Ledger['add']>) {
    return {
      flaky: {
        inRun: this.idsOf(expected.inRun),
        newlyDetected: this.idsOf(expected.newlyDetected),
        activeCount: expected.activeCount,
      },
      quarantine: { allFailuresQuarantined: expected.allFailuresQuarantined },
    };
  }

  /** An item of the flaky-tests list (or a test detail's stats) as the Ledger computes it. */
  expectedItem(key: string, w: Window) {
    const item = this.ledger.item(key, w);
    return {
      testId: this.ids.get(key) as string,
      ...item,
      flakeRateLow: expect.closeTo(item.flakeRateLow, 12),
      flakeRateHigh: expect.closeTo(item.flakeRateHigh, 12),
      flipRate: expect.closeTo(item.flipRate, 12),
    };
  }

  /** GET /projects/:project/stats over the window as the Ledger computes it (see withoutExpectedRuns). */
  expectedStats(w: Window) {
    const perTest = [...this.ledger.counts(w).values()];
    const perDay = this.ledger.counts(w, 'day');
    const states = [...this.ledger.states().values()];
    const sum = zero();
    for (const c of perDay.values()) {
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += c[k];
    }
    const { expectedRuns: _, ...totals } = sum;
    const interval = wilson(
      Math.min(totals.runs, totals.flakyRuns + totals.commitFlakes),
      totals.runs,
    );
    const weekAgo = Date.now() - 7 * 86_400_000;
    return {
      projectId: this.project.id,
      days: w.days,
      branch: w.branch ?? null,
      totalTests: perTest.filter((c) => c.runs + c.skippedRuns > 0).length,
      activeFlaky: states.filter((s) => s.status === 'active').length,
      fixedThisWeek: states.filter(
        (s) => s.status === 'resolved' && s.resolvedAt!.getTime() >= weekAgo,
      ).length,
      ...totals,
      flakeRate: rate(totals),
      flakeRateLow: expect.closeTo(interval.low, 12),
      flakeRateHigh: expect.closeTo(interval.high, 12),
      trend: daysFrom(startDay(w.days)).map((day) => {
        const { durationMs: _d, expectedRuns: _e, ...c } = perDay.get(day) ?? zero();
        return { day, ...c, flakeRate: rate(c) };
      }),
    };
  }

  /** The flaky-tests list: tests ever detected flaky, filtered, searched and sorted like the API. */
  expectedList(
    w: Window,
    options: {
      status?: 'active' | 'resolved' | 'all';
      sort?: Sort;
      order?: 'asc' | 'desc';
      q?: string;
    } = {},
  ) {
    const { status = 'active', sort = 'flakeRate', q } = options;
    const items = [...this.ledger.states()]
      .filter(([, s]) => (status === 'all' ? s.status !== null : s.status === status))
      .map(([key]) => this.expectedItem(key, w))
      .filter(
        (i) =>
          !q ||
          [i.title, i.file, i.titlePath.join(' ')].some((x) =>
            x.toLowerCase().includes(q.toLowerCase()),
          ),
      );
    const value = (i: (typeof items)[number]) =>
      ({ flakeRate: i.flakeRate, lastSeen: i.lastSeenAt, title: i.title, runs: i.runs })[sort];
    const direction = (options.order ?? (sort === 'title' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
    const compare = (x: string | number | null, y: string | number | null) =>
      x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -direction : direction;
    return items.sort(
      (a, b) => compare(value(a), value(b)) || byId(a.testId, b.testId) * direction,
    );
  }
}

/**
 * The shared history of flakiness.db.test.ts and flakiness-reads.db.test.ts: real reports over
 * twelve days and two branches, a re-run of a commit in which one test fails, an outage, the same
 * bytes uploaded again, a replaced shard, an upload without metadata, and a run 60 days old.
 */
export async function uploadHistory(t: TestApp): Promise<TrackedProject> {
  const generated = await Promise.all([
    generate([], { FLK_ALL_PASS: '1', FLK_FAIL: 'deep test' }),
    generate([], {
      FLK_ALL_PASS: '1',
      FLK_FLAKY: 'sibling test',
      FLK_TIMEOUT: 'tagged with details',
    }),
    generateOutage(),
  ]);
  const [failDeep, flakySibling, outage] = generated;
  const { pass, basic, shard1, shard2 } = committed();
  const p = await TrackedProject.create(t);
  const main = (commit: string, pipeline: string) => ({
    branch: 'main',
    commit,
    pipeline,
    job: 'e2e',
  });
  const feature = (commit: string, pipeline: string) => ({
    branch: 'feature/cart',
    commit,
    pipeline,
    job: 'e2e',
  });
  await p.send(placeAt(basic, noon(60)), main('c-old', 'p0')); // older than the window
  await p.send(placeAt(pass, noon(12)), main('c1', 'p1'));
  await p.send(placeAt(basic, noon(11)), main('c2', 'p2'));
  const passC3 = JSON.stringify(placeAt(pass, noon(10)));
  await p.send(JSON.parse(passC3) as RawReport, main('c3', 'p3'), passC3);
  await p.send(placeAt(failDeep, noon(10, 3600)), main('c3', 'p4')); // a re-run: deep test fails
  await p.send(placeAt(basic, noon(9)), feature('f1', 'p5'));
  await p.send(placeAt(pass, noon(8)), feature('f2', 'p6'));
  await p.send(placeAt(flakySibling, noon(6)), feature('f3', 'p7'));
  await p.send(placeAt(outage, noon(5)), main('c5', 'p8')); // stored, not counted
  await p.send(JSON.parse(passC3) as RawReport, main('c3', 'p3'), passC3); // the same bytes again
  const first = placeAt(shard1, noon(3));
  await p.send(first, main('c6', 'p9'));
  await p.send(placeAt(shard2, noon(3, 10)), main('c6', 'p9'));
  // The first shard's job retried: another report (same outcomes) replaces that part.
  await p.send(
    { ...first, stats: { ...first.stats, duration: first.stats.duration + 1234 } },
    main('c6', 'p9'),
  );
  await p.send(placeAt(pass, noon(2))); // no branch, commit or pipeline
  // Only the alpha tests: the beta tests were last seen the day before.
  await p.send(placeAt(shard1, noon(1)), main('c8', 'p10'));
  return p;
}
