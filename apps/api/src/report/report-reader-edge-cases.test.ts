import {
  playwrightReportSchema,
  type PlaywrightReport,
  type PlaywrightSpec,
  type PlaywrightSuite,
  type PlaywrightTest,
  type PlaywrightTestResult,
} from '@flackyness/shared/playwright-report';
import { describe, expect, it } from 'vitest';
import { loadReport } from '../../test/fixtures/reports.ts';
import { InvalidReportError } from './invalid-report-error.ts';
import { normalizeReport } from './report-reader.ts';
import {
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  computeOutcome,
} from './report-walker.ts';
import type { AttemptStatus, NormalizedReport } from '../domain/report.ts';

// Shapes that the committed fixture runs do not produce, built by hand after the reference.

const START = '2025-03-01T10:00:00.000Z';

function attempt(
  status: AttemptStatus,
  extra: Partial<PlaywrightTestResult> = {},
): PlaywrightTestResult {
  return { status, duration: 100, startTime: START, ...extra };
}

function spec(tests: PlaywrightTest[], extra: Partial<PlaywrightSpec> = {}): PlaywrightSpec {
  return { title: 'works', file: 'a.spec.ts', line: 3, column: 1, tests, ...extra };
}

function reportOf(
  specs: PlaywrightSpec[],
  extra: Partial<PlaywrightReport> = {},
): PlaywrightReport {
  return {
    config: { rootDir: '/repo/tests', version: '1.50.0' },
    suites: [{ title: 'a.spec.ts', file: 'a.spec.ts', specs }],
    ...extra,
  };
}

function only(report: NormalizedReport) {
  expect(report.results).toHaveLength(1);
  return report.results[0]!;
}

describe('computeOutcome (Playwright 1.44+ rule)', () => {
  it.each<[AttemptStatus[], string, string]>([
    [['passed'], 'passed', 'expected'],
    [['failed', 'passed'], 'passed', 'flaky'],
    [['passed', 'failed'], 'passed', 'flaky'],
    [['failed', 'failed', 'failed'], 'passed', 'unexpected'],
    [['timedOut', 'passed'], 'passed', 'flaky'],
    [['failed'], 'failed', 'expected'],
    [['passed'], 'failed', 'unexpected'],
    [['skipped'], 'skipped', 'skipped'],
    [[], 'passed', 'skipped'],
    [['interrupted'], 'passed', 'skipped'],
    [['skipped', 'passed'], 'passed', 'expected'],
    [['failed', 'skipped'], 'passed', 'unexpected'],
    [['passed', 'interrupted'], 'passed', 'expected'],
  ])('%j expecting %s is %s', (statuses, expectedStatus, outcome) => {
    expect(
      computeOutcome(
        statuses.map((status) => ({ status })),
        expectedStatus,
      ),
    ).toBe(outcome);
  });
});

describe('normalizeReport edge cases', () => {
  it('reads a test that never started (results: [])', () => {
    const report = normalizeReport(reportOf([spec([{ projectName: 'a', results: [] }])]));
    expect(only(report)).toMatchObject({
      outcome: 'skipped',
      attempts: 0,
      finalStatus: null,
      durationMs: 0,
      startedAt: null,
      error: null,
      attemptDetails: null,
    });
    expect(report).toMatchObject({ startedAt: null, durationMs: 0, totals: { skipped: 1 } });
  });

  it('marks a run with an interrupted attempt as interrupted', () => {
    const report = normalizeReport(
      reportOf([spec([{ projectName: 'a', results: [attempt('interrupted')] }])]),
    );
    expect(report.status).toBe('interrupted');
    expect(only(report)).toMatchObject({ outcome: 'skipped', failedDurationMs: 0 });
  });

  it('marks a run stopped by the global timeout as timedout', () => {
    const report = normalizeReport(
      reportOf([spec([{ projectName: 'a', results: [attempt('passed')] }])], {
        errors: [{ message: '\u001b[31mTimed out waiting 1s for the test suite to run\u001b[39m' }],
      }),
    );
    expect(report.status).toBe('timedout');
    expect(report.errors).toEqual(['Timed out waiting 1s for the test suite to run']);
  });

  it('fails a run with run-level errors even when every test passed', () => {
    const report = normalizeReport(
      reportOf([spec([{ projectName: 'a', results: [attempt('passed')] }])], {
        errors: [{ value: 'worker crashed' }, { stack: 'Error: x\n    at y' }, {}],
      }),
    );
    expect(report).toMatchObject({
      status: 'failed',
      errors: ['worker crashed', 'Error: x\n    at y'],
    });
  });

  it('takes the thrown value of a non-Error throw as message', () => {
    const error = only(
      normalizeReport(
        reportOf([
          spec([
            { projectName: 'a', results: [attempt('failed', { error: { value: "'oops'" } })] },
          ]),
        ]),
      ),
    ).error;
    expect(error).toEqual({ message: "'oops'", stack: null, signature: "'oops'" });
  });

  it('caps long messages and stacks', () => {
    const error = only(
      normalizeReport(
        reportOf([
          spec([
            {
              projectName: 'a',
              results: [
                attempt('failed', {
                  error: { message: 'm'.repeat(20_000), stack: 's'.repeat(40_000) },
                }),
              ],
            },
          ]),
        ]),
      ),
    ).error;
    expect(error?.message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(error?.stack).toHaveLength(MAX_ERROR_STACK_LENGTH);
    expect(error?.message.endsWith('…')).toBe(true);
  });

  it('keys Windows and absolute spec files relative to rootDir with forward slashes', () => {
    const test = (): PlaywrightTest => ({ projectName: 'a', results: [attempt('passed')] });
    const report = normalizeReport({
      config: { rootDir: 'C:/repo/tests' },
      suites: [
        {
          title: 'sub\\a.spec.ts',
          specs: [
            spec([test()], { title: 'one', file: 'C:\\repo\\tests\\sub\\a.spec.ts' }),
            spec([test()], { title: 'two', file: 'sub\\a.spec.ts' }),
            spec([test()], { title: 'three', file: undefined }),
          ],
        },
      ],
    });
    expect(report.results.map((r) => r.file)).toEqual([
      'sub/a.spec.ts',
      'sub/a.spec.ts',
      'sub/a.spec.ts',
    ]);
  });

  it('numbers duplicates of one identity in order (repeat-each, merged blobs)', () => {
    const run = (): PlaywrightTest => ({ projectName: 'a', results: [attempt('passed')] });
    const report = normalizeReport(
      reportOf([spec([run(), run(), { ...run(), projectName: 'b' }])]),
    );
    expect(report.results.map((r) => [r.projectName, r.repeatIndex])).toEqual([
      ['a', 0],
      ['a', 1],
      ['b', 0],
    ]);
  });

  it('dedupes tags and drops their @', () => {
    const result = only(
      normalizeReport(
        reportOf([spec([{ projectName: 'a', results: [] }], { tags: ['@smoke', 'smoke', 'api'] })]),
      ),
    );
    expect(result.tags).toEqual(['smoke', 'api']);
  });

  it('turns odd annotation descriptions into text', () => {
    const result = only(
      normalizeReport(
        reportOf([
          spec([
            {
              projectName: 'a',
              results: [],
              annotations: [
                { type: 'issue', description: { id: 7 } },
                { type: 'slow', description: null },
              ],
            },
          ]),
        ]),
      ),
    );
    expect(result.annotations).toEqual([
      { type: 'issue', description: '{"id":7}' },
      { type: 'slow' },
    ]);
  });

  it('rounds durations and takes the run start from 1.39 stats without counts', () => {
    const report = normalizeReport(
      reportOf(
        [
          spec([
            {
              projectName: 'a',
              status: 'flaky',
              results: [
                attempt('failed', { duration: 10.4 }),
                attempt('passed', { duration: 5.3 }),
              ],
            },
          ]),
        ],
        { stats: { startTime: '2025-03-01T09:59:59.000Z', duration: 1234.56 } },
      ),
    );
    expect(report).toMatchObject({
      startedAt: '2025-03-01T09:59:59.000Z',
      durationMs: 1235,
      totals: { total: 1, flaky: 1 },
    });
    expect(only(report)).toMatchObject({ durationMs: 16, failedDurationMs: 10 });
  });

  it('reads one spec per project (before 1.65) like one spec for all projects', () => {
    const merged = playwrightReportSchema.parse(loadReport('basic'));
    const split = structuredClone(merged);
    const splitSuite = (suite: PlaywrightSuite): void => {
      suite.specs = (suite.specs ?? []).flatMap((s) => s.tests.map((t) => ({ ...s, tests: [t] })));
      suite.suites?.forEach(splitSuite);
    };
    split.suites.forEach(splitSuite);
    const strip = (report: NormalizedReport) =>
      report.results.map(({ playwrightId: _playwrightId, ...rest }) => rest);
    expect(strip(normalizeReport(split))).toEqual(strip(normalizeReport(merged)));
  });
});

describe('normalizeReport on hostile text and numbers', () => {
  const BAD = 'a\u0000b\uD800c';
  const SAFE = 'a\uFFFDb\uFFFDc';

  it('stores NUL and lone surrogates in any text as U+FFFD', () => {
    const failed = attempt('failed', { error: { message: `Error: ${BAD}`, stack: `at ${BAD}` } });
    const report = normalizeReport({
      config: { rootDir: '/repo', version: `1.50.0${BAD}` },
      suites: [
        {
          title: `${BAD}.spec.ts`,
          file: `${BAD}.spec.ts`,
          suites: [
            {
              title: `describe ${BAD}`,
              specs: [
                spec(
                  [
                    {
                      projectName: `p${BAD}`,
                      annotations: [{ type: `t${BAD}`, description: `d${BAD}` }],
                      results: [failed],
                    },
                  ],
                  { title: `title ${BAD}`, file: undefined, id: `id${BAD}`, tags: [`@tag${BAD}`] },
                ),
              ],
            },
          ],
        },
      ],
      errors: [{ message: `global ${BAD}` }],
    });
    const result = only(report);
    expect(result).toMatchObject({
      projectName: `p${SAFE}`,
      file: `${SAFE}.spec.ts`,
      title: `title ${SAFE}`,
      titlePath: [`describe ${SAFE}`, `title ${SAFE}`],
      identityKey: JSON.stringify([
        `p${SAFE}`,
        `${SAFE}.spec.ts`,
        [`describe ${SAFE}`, `title ${SAFE}`],
      ]),
      playwrightId: `id${SAFE}`,
      tags: [`tag${SAFE}`],
      annotations: [{ type: `t${SAFE}`, description: `d${SAFE}` }],
      error: { message: `Error: ${SAFE}`, stack: `at ${SAFE}`, signature: SAFE },
    });
    expect(report.errors).toEqual([`global ${SAFE}`]);
    expect(report.playwrightVersion).toBe(`1.50.0${SAFE}`);
    // What goes into jsonb: no \u0000 and no lone surrogate escape.
    expect(JSON.stringify(report)).not.toMatch(/\\u(?:0000|d[89a-f])/i);
  });

  it('reads a rootDir ending in a megabyte of slashes', () => {
    const report = normalizeReport(
      reportOf([spec([{ projectName: 'a', results: [] }], { file: '/repo/x.spec.ts' })], {
        config: { rootDir: `/repo${'/'.repeat(1_000_000)}` },
      }),
    );
    expect(only(report).file).toBe('x.spec.ts');
  });

  function refusal(report: PlaywrightReport): InvalidReportError['issues'] {
    try {
      normalizeReport(report);
    } catch (error) {
      if (error instanceof InvalidReportError) return error.issues;
      throw error;
    }
    throw new Error('the report was not refused');
  }

  it('refuses attempts whose durations add up to more than an integer column holds, naming the test', () => {
    const long = attempt('failed', { duration: 2_000_000_000 });
    const report = reportOf([
      spec([{ projectName: 'a', results: [attempt('passed')] }]),
      spec([
        { projectName: 'a', results: [attempt('passed')] },
        { projectName: 'b', results: [long, long] },
      ]),
    ]);
    expect(refusal(report)).toEqual([
      { path: ['suites', 0, 'specs', 1, 'tests', 1, 'results'], message: expect.any(String) },
    ]);
    // One of them fits.
    expect(only(normalizeReport(reportOf([spec([{ results: [long] }])])))).toMatchObject({
      durationMs: 2_000_000_000,
      failedDurationMs: 2_000_000_000,
    });
  });

  it('refuses more repeats of one test than a smallint numbers, naming the one too many', () => {
    const repeats = (count: number) =>
      reportOf([], {
        suites: [
          {
            title: 'a.spec.ts',
            suites: [
              {
                title: 'group',
                specs: [
                  spec(Array.from({ length: count }, () => ({ projectName: 'a', results: [] }))),
                ],
              },
            ],
          },
        ],
      });
    expect(normalizeReport(repeats(32_768)).results.at(-1)?.repeatIndex).toBe(32_767);
    expect(refusal(repeats(32_769))).toEqual([
      {
        path: ['suites', 0, 'suites', 0, 'specs', 0, 'tests', 32_768],
        message: expect.any(String),
      },
    ]);
  });

  it('refuses a report without stats whose attempts span more than an integer column holds', () => {
    const at = (startTime: string) => ({ results: [attempt('passed', { startTime })] });
    const report = reportOf([
      spec([at('2025-01-01T00:00:00.000Z')]),
      spec([at('2025-02-01T00:00:00.000Z')], { title: 'later' }),
    ]);
    expect(refusal(report)).toEqual([{ path: ['suites'], message: expect.any(String) }]);
  });
});

describe('playwrightReportSchema', () => {
  function issuePaths(input: unknown): string[] {
    const result = playwrightReportSchema.safeParse(input);
    expect(result.success).toBe(false);
    return result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
  }

  it('rejects a Jest/Vitest JSON report, naming the missing fields', () => {
    expect(issuePaths({ numTotalTests: 3, success: true, testResults: [] })).toEqual([
      'config',
      'suites',
    ]);
  });

  it('rejects arrays, strings and null at the root', () => {
    expect(issuePaths([{ config: {}, suites: [] }])).toEqual(['']);
    expect(issuePaths('{"config":{},"suites":[]}')).toEqual(['']);
    expect(issuePaths(null)).toEqual(['']);
  });

  it('points at the broken field deep inside suites', () => {
    const input = {
      config: {},
      suites: [{ title: 'a.spec.ts', specs: [{ title: 't', tests: [{ results: [{}] }] }] }],
    };
    expect(issuePaths(input)).toEqual(['suites.0.specs.0.tests.0.results.0.status']);
    expect(issuePaths({ config: [], suites: {} })).toEqual(['config', 'suites']);
  });

  it('refuses numbers no column holds: negative, fractional or too large', () => {
    const withResult = (
      result: Record<string, unknown>,
      specExtra: Record<string, unknown> = {},
    ) => ({
      config: {},
      suites: [
        {
          title: 'a.spec.ts',
          specs: [
            { title: 't', ...specExtra, tests: [{ results: [{ status: 'passed', ...result }] }] },
          ],
        },
      ],
    });
    const result = 'suites.0.specs.0.tests.0.results.0';
    expect(issuePaths(withResult({ duration: 3e9 }))).toEqual([`${result}.duration`]);
    expect(issuePaths(withResult({ duration: -1 }))).toEqual([`${result}.duration`]);
    expect(issuePaths(withResult({ retry: 1.5 }))).toEqual([`${result}.retry`]);
    expect(issuePaths(withResult({ retry: 40_000 }))).toEqual([`${result}.retry`]);
    expect(issuePaths(withResult({}, { line: 3.5, column: 3e9 }))).toEqual([
      'suites.0.specs.0.line',
      'suites.0.specs.0.column',
    ]);
    expect(
      issuePaths({ config: {}, suites: [], stats: { duration: 3e9, expected: 1.5, skipped: -1 } }),
    ).toEqual(['stats.duration', 'stats.expected', 'stats.skipped']);
    expect(
      issuePaths({ config: {}, suites: [], stats: { expected: 2e9, unexpected: 2e9 } }),
    ).toEqual(['stats']);
    const attempts = Array.from({ length: 32_768 }, () => ({ status: 'failed' }));
    expect(
      issuePaths({
        config: {},
        suites: [{ title: 'a', specs: [{ title: 't', tests: [{ results: attempts }] }] }],
      }),
    ).toEqual(['suites.0.specs.0.tests.0.results']);
    // Playwright's own numbers pass: fractional durations, zero, the largest that fit.
    expect(
      playwrightReportSchema.safeParse(
        withResult({ duration: 7182.55, retry: 0 }, { line: 2_147_483_647 }),
      ).success,
    ).toBe(true);
  });

  it('accepts the smallest report and unknown reporter shapes', () => {
    expect(playwrightReportSchema.safeParse({ config: {}, suites: [] }).success).toBe(true);
    const report = { config: { reporter: 'list' }, suites: [], errors: [], futureField: 1 };
    expect(playwrightReportSchema.safeParse(report).success).toBe(true);
  });

  it('leaves undeclared fields (config secrets, stdio, attachments) out of the parsed value', () => {
    const parsed = playwrightReportSchema.parse({
      config: { metadata: { token: 't0p' }, filteredProjects: [{ use: { password: 'p' } }] },
      suites: [
        {
          title: 'a.spec.ts',
          specs: [
            spec([
              {
                projectName: 'a',
                results: [
                  {
                    ...attempt('passed'),
                    stdout: [{ text: 'x' }],
                    attachments: [{ body: 'eA==' }],
                  } as PlaywrightTestResult,
                ],
              },
            ]),
          ],
        },
      ],
    });
    expect(Object.keys(parsed.config)).toEqual([]);
    expect(Object.keys(parsed.suites[0]?.specs?.[0]?.tests[0]?.results[0] ?? {}).sort()).toEqual([
      'duration',
      'startTime',
      'status',
    ]);
  });
});
