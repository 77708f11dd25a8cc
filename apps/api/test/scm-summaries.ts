import type { RunSummary, SummaryTest } from '../src/scm/types.ts';

/**
 * Run summaries for the comment renderer's tests: a small realistic one, hostile text, and runs
 * with thousands of long-titled failures for the platforms' size caps.
 */

export const MARKER = '<!-- flackyness:v1 project=p-1 -->';
export const RUN_URL = 'https://flackyness.example.com/projects/web/runs/r-1';
export const HOSTILE_TITLE = '<img src=x onerror=alert(1)> --> <!-- flackyness @everyone #1';

export function summaryTest(index: number, overrides: Partial<SummaryTest> = {}): SummaryTest {
  const title = overrides.title ?? `adds item ${index} to the cart`;
  return {
    testId: `t-${index}`,
    title,
    titlePath: ['Checkout', title],
    file: 'tests/checkout.spec.ts',
    projectName: 'chromium',
    quarantined: false,
    url: `https://flackyness.example.com/projects/web/tests/t-${index}`,
    ...overrides,
  };
}

export function knownFlaky(index: number, overrides: Partial<SummaryTest> = {}): SummaryTest {
  return summaryTest(index, {
    flakeRate: { rate: 0.125, low: 0.061, high: 0.239, runs: 40 },
    quarantined: true,
    ...overrides,
  });
}

export function runSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  const { run, ...rest } = overrides;
  return {
    project: { id: 'p-1', slug: 'web', name: 'Web app' },
    run: {
      id: 'r-1',
      url: RUN_URL,
      status: 'passed',
      source: 'upload',
      runName: 'e2e',
      branch: 'feature/login',
      commit: '0123456789abcdef0123456789abcdef01234567',
      pr: '42',
      durationMs: 252_000,
      totals: { total: 414, expected: 412, unexpected: 0, flaky: 0, skipped: 2 },
      errors: [],
      ...run,
    },
    realFailures: [],
    flakyFailures: [],
    flakyInRun: [],
    newlyDetected: [],
    allFailuresQuarantined: true,
    windowDays: 30,
    ...rest,
  };
}

/** A failed run: one real failure with a hostile title, one known flaky failure, flaky retries. */
export function mixedSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return runSummary({
    run: {
      ...runSummary().run,
      status: 'failed',
      totals: { total: 420, expected: 412, unexpected: 2, flaky: 4, skipped: 2 },
    },
    realFailures: [
      summaryTest(1, {
        title: HOSTILE_TITLE,
        titlePath: ['Login', HOSTILE_TITLE],
        file: 'tests/login.spec.ts',
        error: 'Error: expect(received).toBe(expected) // `Object.is` equality',
        errorSignature: 'expect(received).toBe(expected) // `Object.is` equality',
      }),
    ],
    flakyFailures: [
      knownFlaky(2, { error: 'TimeoutError: locator.click: Timeout 15000ms exceeded.' }),
    ],
    flakyInRun: [
      knownFlaky(3, { flakeRate: { rate: 0.05, low: 0.012, high: 0.18, runs: 60 } }),
      summaryTest(4, { flakeRate: { rate: 0.2, low: 0.08, high: 0.41, runs: 20 } }),
    ],
    newlyDetected: [summaryTest(4, { flakeRate: { rate: 0.2, low: 0.08, high: 0.41, runs: 20 } })],
    allFailuresQuarantined: false,
    ...overrides,
  });
}

/** `count` failures with titles of `titleLength` characters and error lines. */
export function hugeSummary(count: number, titleLength: number): RunSummary {
  const long = (index: number): string =>
    `test ${index} ${'should keep the basket when the session expires '.repeat(20)}`.slice(
      0,
      titleLength,
    );
  const failures = Array.from({ length: count }, (_, index) =>
    summaryTest(index, {
      title: long(index),
      titlePath: ['Checkout', 'Basket', long(index)],
      error: `Error: expect(locator).toHaveText(expected) failed for item ${index} ${'x'.repeat(200)}`,
    }),
  );
  const flaky = Array.from({ length: count }, (_, index) => knownFlaky(count + index));
  return runSummary({
    run: {
      ...runSummary().run,
      status: 'failed',
      totals: {
        total: 3 * count,
        expected: count,
        unexpected: 2 * count,
        flaky: count,
        skipped: 0,
      },
      errors: ['Error: worker process exited unexpectedly\n    at ChildProcess.exit'],
    },
    realFailures: failures,
    flakyFailures: flaky,
    flakyInRun: flaky,
    newlyDetected: flaky.slice(0, 50),
    allFailuresQuarantined: false,
  });
}
