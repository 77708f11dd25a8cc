import { createHash } from 'node:crypto';
import type { TestInfo } from '@playwright/test';

/**
 * What the demo suite's flaky and failing tests do in this run, from the environment:
 *   FLK_DEMO_SEED=n          decides every random outcome; the same seed gives the same run
 *   FLK_DEMO_PHASE=name      where the run sits in the demo's story:
 *                              before-fix  the SSO sign-in still flakes
 *                              after-fix   it was fixed (it stops flaking)
 *                              new-flake   fixed, and order pagination started to flake
 *   FLK_DEMO_REGRESSION=1    the checkout redesign's bug: two checkout tests fail on every attempt
 *   FLK_DEMO_OUTAGE=1        the payment sandbox is down for the whole run: paying with a saved
 *                            card fails on every attempt (a retried pipeline then passes)
 */
export type DemoPhase = 'before-fix' | 'after-fix' | 'new-flake';

export interface DemoConditions {
  seed: number;
  phase: DemoPhase;
  regression: boolean;
  outage: boolean;
}

const phases: readonly DemoPhase[] = ['before-fix', 'after-fix', 'new-flake'];

export function demoConditions(): DemoConditions {
  const phase = (process.env.FLK_DEMO_PHASE ?? 'after-fix') as DemoPhase;
  if (!phases.includes(phase)) {
    throw new Error(`FLK_DEMO_PHASE must be one of ${phases.join(', ')}, not "${phase}"`);
  }
  return {
    seed: Number(process.env.FLK_DEMO_SEED ?? '1'),
    phase,
    regression: process.env.FLK_DEMO_REGRESSION === '1',
    outage: process.env.FLK_DEMO_OUTAGE === '1',
  };
}

/**
 * A number in [0, 1) fixed by the seed, the test, its Playwright project and the attempt: a
 * retry rolls again, so a flaky test usually passes on retry, as real ones do.
 */
export function roll(testInfo: TestInfo, salt = ''): number {
  const key = [
    demoConditions().seed,
    testInfo.project.name,
    testInfo.titlePath.join(' › '),
    testInfo.retry,
    salt,
  ].join('|');
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

export interface FlakeOptions {
  /** The chance that one attempt fails. */
  rate: number;
  /** Flakes in this Playwright project only (timing that differs between browsers). */
  onlyIn?: 'chromium' | 'firefox';
}

/** Whether this attempt of a flaky test fails. */
export function flakesNow(testInfo: TestInfo, { rate, onlyIn }: FlakeOptions): boolean {
  if (onlyIn && testInfo.project.name !== onlyIn) return false;
  return roll(testInfo) < rate;
}

/** Waits longer than the test may take: the attempt ends as Playwright's own timeout. */
export async function hangPast(testInfo: TestInfo, timeoutMs: number): Promise<void> {
  testInfo.setTimeout(timeoutMs);
  await new Promise((resolve) => setTimeout(resolve, timeoutMs * 3));
}
