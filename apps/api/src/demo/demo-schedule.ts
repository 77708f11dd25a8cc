import { createHash } from 'node:crypto';
import { DAY_MS } from '../domain/window.ts';

/**
 * The demo project's CI history: when each run started, on which branch and commit, and which
 * kind of report it uploads. Relative to `now`, and the same for the same `now`.
 *
 * The story it tells, in days before today:
 *   42 → 0   main: two or three pipelines each working day; now and then the payment sandbox is
 *            down and the pipeline is retried on the same commit, where it passes (a commit
 *            flake); two more today.
 *   30 → 17  feature/checkout-redesign (!412): its first week breaks two checkout tests.
 *   16 → 15  fix/login-timeout (!418) fixes the flaky SSO sign-in, merged 14 days ago: the test
 *            stops flaking and is resolved after enough clean runs.
 *    6 → 0   order pagination starts to flake (a new flaky test); a nightly sharded run on main.
 *   Saturdays renovate/playwright-1.x (!420) rebases and runs.
 */

/** Where a run sits in the story: which of the demo suite's reports it can upload. */
export type DemoPhase = 'before-fix' | 'after-fix' | 'new-flake';

/**
 * `regression`: a report with the checkout redesign's bug; `outage`: one where the payment sandbox
 * was down (its pipeline is retried on the same commit); `sharded`: two shard reports.
 */
export type DemoRunKind = 'regular' | 'regression' | 'outage' | 'sharded';

export interface PlannedRun {
  startAt: Date;
  branch: string;
  /** 40 hex digits. */
  commit: string;
  pipeline: string;
  /** GitLab job ids, one per part (two for a sharded run). */
  jobIds: number[];
  /** Merge request number, on feature branches. */
  pr?: string;
  phase: DemoPhase;
  kind: DemoRunKind;
}

export const DEMO_HISTORY_DAYS = 42;
/** The SSO fix was merged at noon this many days ago. */
export const FIX_MERGED_DAYS_AGO = 14;
/** Order pagination flakes from midnight this many days ago. */
export const NEW_FLAKE_DAYS_AGO = 6;

const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

interface Slot {
  startAt: Date;
  branch: string;
  /** `new`: the branch's next commit; `head`: its latest one (a nightly); or the run this one
   *  retries, whose commit it runs again. */
  commit: 'new' | 'head' | Slot;
  kind: DemoRunKind;
  pr?: string;
}

/** The demo's runs, oldest first. */
export function planDemoRuns(now: Date): PlannedRun[] {
  const random = seededRandom(20_240_611);
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`);
  const dayStart = (daysAgo: number) => today - daysAgo * DAY_MS;
  // Working hours in UTC, a random minute: what a team in central Europe would see.
  const at = (daysAgo: number, hour: number) =>
    new Date(dayStart(daysAgo) + hour * HOUR_MS + Math.floor(random() * 60) * MINUTE_MS);
  const slots: Slot[] = [];

  for (let daysAgo = DEMO_HISTORY_DAYS; daysAgo >= 1; daysAgo -= 1) {
    const weekday = new Date(dayStart(daysAgo)).getUTCDay();
    if (weekday === 6) {
      slots.push({
        startAt: at(daysAgo, 5),
        branch: 'renovate/playwright-1.x',
        commit: 'new',
        kind: 'regular',
        pr: '420',
      });
    }
    if (daysAgo <= NEW_FLAKE_DAYS_AGO - 1) {
      slots.push({ startAt: at(daysAgo, 2), branch: 'main', commit: 'head', kind: 'sharded' });
    }
    if (weekday === 0 || weekday === 6) continue;

    const hours = pickHours(random, random() < 0.4 ? 3 : 2);
    for (const hour of hours) {
      const startAt = at(daysAgo, hour);
      const outage = random() < 0.15;
      const slot: Slot = {
        startAt,
        branch: 'main',
        commit: 'new',
        kind: outage ? 'outage' : 'regular',
      };
      slots.push(slot);
      if (outage) {
        const retriedAt = new Date(
          startAt.getTime() + (20 + Math.floor(random() * 30)) * MINUTE_MS,
        );
        slots.push({ startAt: retriedAt, branch: 'main', commit: slot, kind: 'regular' });
      }
    }
    if (daysAgo <= 30 && daysAgo >= 17) {
      for (const hour of pickHours(random, random() < 0.5 ? 2 : 1)) {
        slots.push({
          startAt: at(daysAgo, hour),
          branch: 'feature/checkout-redesign',
          commit: 'new',
          kind: daysAgo >= 24 ? 'regression' : 'regular',
          pr: '412',
        });
      }
    }
  }
  // The fix branch runs on the days before its merge, whatever the weekday.
  for (const daysAgo of [16, 15]) {
    for (const hour of [10, 15]) {
      slots.push({
        startAt: at(daysAgo, hour),
        branch: 'fix/login-timeout',
        commit: 'new',
        kind: 'regular',
        pr: '418',
      });
    }
  }
  // Today: one run a few hours ago and the latest a few minutes ago, so the overview shows today.
  slots.push({
    startAt: new Date(now.getTime() - 3 * HOUR_MS - 10 * MINUTE_MS),
    branch: 'main',
    commit: 'new',
    kind: 'regular',
  });
  slots.push({
    startAt: new Date(now.getTime() - 4 * MINUTE_MS),
    branch: 'main',
    commit: 'new',
    kind: 'regular',
  });

  slots.sort((a, b) => a.startAt.getTime() - b.startAt.getTime());
  return assignIds(slots, now, random);
}

/** Commits per branch, and GitLab pipeline and job ids that grow with time. */
function assignIds(slots: readonly Slot[], now: Date, random: () => number): PlannedRun[] {
  const commitsPerBranch = new Map<string, number>();
  const commitOf = new Map<Slot, string>();
  let pipeline = 48_210;
  let job = 1_204_300;
  return slots.map((slot) => {
    let commit = typeof slot.commit === 'object' ? commitOf.get(slot.commit) : undefined;
    if (commit === undefined) {
      const count = commitsPerBranch.get(slot.branch) ?? 0;
      const n = slot.commit === 'head' && count > 0 ? count : count + 1;
      commitsPerBranch.set(slot.branch, n);
      commit = commitSha(slot.branch, n);
    }
    commitOf.set(slot, commit);
    // Other projects' pipelines and jobs take ids in between.
    pipeline += 1 + Math.floor(random() * 6);
    const jobIds = slot.kind === 'sharded' ? [job + 1, job + 2] : [job + 1];
    job += jobIds.length + Math.floor(random() * 40);
    return {
      startAt: slot.startAt,
      branch: slot.branch,
      commit,
      pipeline: String(pipeline),
      jobIds,
      ...(slot.pr !== undefined && { pr: slot.pr }),
      phase: phaseAt(slot, now),
      kind: slot.kind,
    };
  });
}

function phaseAt(slot: Slot, now: Date): DemoPhase {
  // The fix branch carries the fix before main has it.
  if (slot.branch === 'fix/login-timeout') return 'after-fix';
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`);
  const fixMergedAt = today - FIX_MERGED_DAYS_AGO * DAY_MS + 12 * HOUR_MS;
  const newFlakeAt = today - NEW_FLAKE_DAYS_AGO * DAY_MS;
  const at = slot.startAt.getTime();
  if (at < fixMergedAt) return 'before-fix';
  return at < newFlakeAt ? 'after-fix' : 'new-flake';
}

/** A plausible SHA-1: the same branch and commit number always give the same one. */
function commitSha(branch: string, n: number): string {
  return createHash('sha1').update(`acme/shop ${branch} ${n}`).digest('hex');
}

/** `count` distinct hours between 8:00 and 17:00, in order. */
function pickHours(random: () => number, count: number): number[] {
  const hours = new Set<number>();
  while (hours.size < count) hours.add(8 + Math.floor(random() * 10));
  return [...hours].sort((a, b) => a - b);
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
