/**
 * Playwright JSON reports of any size, in the shape Playwright 1.65 writes (stats, one spec per
 * test, results per attempt), for benchmarks. Outcomes are a pure function of (test, run), so the
 * same test is flaky in some runs and not in others, as in real suites.
 */
export interface SyntheticOptions {
  tests: number;
  testsPerFile?: number;
  startTime: Date;
  /** Varies outcomes between runs of the same suite. */
  runIndex: number;
  /** Every n-th test is flaky-prone: it fails its first attempt in one run of four. */
  flakyEvery?: number;
  /** Every n-th test fails every attempt. */
  failEvery?: number;
  /** Offset of the first test, to pick a slice of a larger suite. */
  firstTest?: number;
}

type Outcome = 'expected' | 'unexpected' | 'flaky' | 'skipped';

export function syntheticOutcome(
  test: number,
  runIndex: number,
  flakyEvery = 50,
  failEvery = 500,
): Outcome {
  if (test % failEvery === 7) return 'unexpected';
  if (test % flakyEvery === 3 % flakyEvery && (test + runIndex) % 4 === 0) return 'flaky';
  if (test % 97 === 11) return 'skipped';
  return 'expected';
}

const failure = (test: number) => ({
  message: `Error: expect(received).toBe(expected)\n\nExpected: "ok"\nReceived: "error ${test}"`,
  stack: `Error: expect(received).toBe(expected)\n    at /ci/tests/file-${test}.spec.ts:${10 + (test % 40)}:5`,
  location: { file: `/ci/tests/file-${test}.spec.ts`, line: 10 + (test % 40), column: 5 },
});

export function syntheticReport(options: SyntheticOptions): Record<string, unknown> {
  const perFile = options.testsPerFile ?? 100;
  const first = options.firstTest ?? 0;
  const start = options.startTime.getTime();
  const files = new Map<number, unknown[]>();
  const stats = { expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  for (let i = first; i < first + options.tests; i++) {
    const outcome = syntheticOutcome(i, options.runIndex, options.flakyEvery, options.failEvery);
    stats[outcome] += 1;
    const startTime = new Date(start + (i - first) * 5).toISOString();
    const attempt = (retry: number, status: string, error: boolean) => ({
      workerIndex: retry,
      parallelIndex: 0,
      status,
      duration: 40 + (i % 200),
      errors: error ? [{ message: failure(i).message }] : [],
      stdout: [],
      stderr: [],
      retry,
      startTime,
      attachments: [],
      annotations: [],
      ...(error ? { error: failure(i) } : {}),
    });
    const results =
      outcome === 'flaky'
        ? [attempt(0, 'failed', true), attempt(1, 'passed', false)]
        : outcome === 'unexpected'
          ? [attempt(0, 'failed', true), attempt(1, 'failed', true)]
          : outcome === 'skipped'
            ? [attempt(0, 'skipped', false)]
            : [attempt(0, 'passed', false)];
    const file = Math.floor(i / perFile);
    const specs = files.get(file) ?? [];
    specs.push({
      title: `behaves as specified #${i}`,
      ok: outcome !== 'unexpected',
      tags: [],
      tests: [
        {
          timeout: 30000,
          annotations: [],
          expectedStatus: outcome === 'skipped' ? 'skipped' : 'passed',
          projectId: 'chromium',
          projectName: 'chromium',
          results,
          status: outcome,
        },
      ],
      id: `${file.toString(16).padStart(20, '0')}-${i.toString(16).padStart(20, '0')}`,
      file: `area-${file}/feature-${file}.spec.ts`,
      line: 5 + (i % perFile) * 4,
      column: 3,
    });
    files.set(file, specs);
  }
  return {
    config: {
      rootDir: '/ci/tests',
      version: '1.65.1',
      workers: 4,
      shard: null,
      projects: [
        {
          id: 'chromium',
          name: 'chromium',
          retries: 1,
          repeatEach: 1,
          testDir: '/ci/tests',
          timeout: 30000,
        },
      ],
    },
    suites: [...files].map(([file, specs]) => ({
      title: `area-${file}/feature-${file}.spec.ts`,
      file: `area-${file}/feature-${file}.spec.ts`,
      line: 0,
      column: 0,
      specs,
      suites: [],
    })),
    errors: [],
    stats: {
      startTime: options.startTime.toISOString(),
      duration: options.tests * 5 + 1000.5,
      ...stats,
    },
  };
}
