import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  playwrightReportSchema,
  type PlaywrightReport,
  type PlaywrightSuite,
} from '@flackyness/shared/playwright-report';
import { describe, expect, it } from 'vitest';
import { SECRET_MARKER, loadReport, type ReportName } from '../../test/fixtures/reports.ts';
import { ReportReader, normalizeReport } from './report-reader.ts';
import { computeOutcome } from './report-walker.ts';
import { identityHash, identityKey } from '../domain/test-identity.ts';
import type { NormalizedReport, NormalizedResult, Totals } from '../domain/report.ts';

const sharedReportsDir = fileURLToPath(
  new URL('../../../../../shared/fixtures/playwright-reports/', import.meta.url),
);

function parse(report: unknown): PlaywrightReport {
  return playwrightReportSchema.parse(report);
}

function generated(name: ReportName): PlaywrightReport {
  return parse(loadReport(name));
}

function find(report: NormalizedReport, projectName: string, ...titlePath: string[]) {
  const matches = report.results.filter(
    (result) =>
      result.projectName === projectName &&
      JSON.stringify(result.titlePath) === JSON.stringify(titlePath),
  );
  expect(matches, `${projectName} › ${titlePath.join(' › ')}`).toHaveLength(1);
  return matches[0] as NormalizedResult;
}

/** What identifies a result and what Playwright decided about it, for comparing reports. */
function verdicts(report: NormalizedReport): string[] {
  return report.results
    .map((r) => `${r.identityKey}#${r.repeatIndex} ${r.outcome} ${r.attempts}`)
    .sort();
}

function allSuites(suites: readonly PlaywrightSuite[]): PlaywrightSuite[] {
  return suites.flatMap((suite) => [suite, ...allSuites(suite.suites ?? [])]);
}

describe.skipIf(!existsSync(sharedReportsDir))('real reports from public repositories', () => {
  // Playwright's own counts (README table): stats where present, else the tests' statuses.
  const expectedTotals: Record<string, Totals> = {
    'DTMBX__Tillerstead__playwright-report-results.json': total(0, 0, 0, 0),
    'GrupoUS__neonpro__tools-reports-e2e-performance-metrics.json': total(9, 21, 0, 0),
    'daun__playwright-report-summary__report-nested.json': total(57, 3, 3, 3),
    'daun__playwright-report-summary__report-sharded.json': total(22, 1, 1, 3),
    'kelios__metravel2__e2e-results.json': total(302, 1, 0, 0),
  };
  const files = existsSync(sharedReportsDir)
    ? readdirSync(sharedReportsDir).filter((file) => file.endsWith('.json'))
    : [];

  it('has an expectation for every fixture', () => {
    expect([...files].sort()).toEqual(Object.keys(expectedTotals).sort());
  });

  describe.each(files)('%s', (file) => {
    const raw: unknown = JSON.parse(readFileSync(`${sharedReportsDir}${file}`, 'utf8'));
    const normalized = normalizeReport(parse(raw));

    it('normalises with the totals Playwright counted', () => {
      expect(normalized.totals).toEqual(expectedTotals[file]);
      expect(normalized.results).toHaveLength(normalized.totals.total);
    });

    it('agrees with the 1.44+ outcome rule on every test', () => {
      for (const result of normalized.results) {
        const statuses = (result.attemptDetails ?? []).map(({ status }) => ({ status }));
        if (result.attemptDetails === null && result.finalStatus !== null) {
          statuses.push({ status: result.finalStatus });
        }
        expect(computeOutcome(statuses, result.expectedStatus)).toBe(result.outcome);
      }
    });

    it('keys tests by posix paths relative to rootDir, once each', () => {
      const keys = new Set(normalized.results.map((r) => `${r.identityKey}#${r.repeatIndex}`));
      expect(keys.size).toBe(normalized.results.length);
      for (const result of normalized.results) {
        expect(result.identityKey).toBe(
          identityKey(result.projectName, result.file, result.titlePath),
        );
        expect(result.file).not.toMatch(/\\|^[A-Za-z]:|^\//);
        expect(result.titlePath).not.toContain('');
        expect(result.titlePath.at(-1)).toBe(result.title);
      }
    });

    it('leaves no ANSI escapes and copies no config metadata', () => {
      const output = JSON.stringify(normalized);
      expect(output).not.toContain('\u001b');
      const metadata = (raw as { config: { metadata?: unknown } }).config.metadata;
      for (const value of stringLeaves(metadata)) expect(output).not.toContain(value);
    });
  });

  it('reads the run aborted before any test', () => {
    const file = 'DTMBX__Tillerstead__playwright-report-results.json';
    const aborted = normalizeReport(
      parse(JSON.parse(readFileSync(`${sharedReportsDir}${file}`, 'utf8'))),
    );
    expect(aborted).toMatchObject({
      status: 'failed',
      startedAt: '2026-01-26T03:22:31.766Z',
      durationMs: 678,
      errors: ['Error: Process from config.webServer was not able to start. Exit code: 1'],
      results: [],
    });
  });
});

describe('a full run of the fixture project (basic.json)', () => {
  const report = generated('basic');
  const normalized = normalizeReport(report);

  it('takes run data from stats and config', () => {
    expect(normalized).toMatchObject({
      playwrightVersion: '1.65.1',
      startedAt: report.stats?.startTime,
      durationMs: Math.round(report.stats?.duration ?? -1),
      shard: null,
      partial: false,
      totals: total(17, 2, 4, 5),
      status: 'failed',
      errors: [],
    });
    expect(normalized.results).toHaveLength(28);
  });

  it('counts the same totals from the tests when stats are missing (before 1.40)', () => {
    const { stats, ...withoutStats } = report;
    const counted = normalizeReport(withoutStats);
    expect(counted.totals).toEqual(normalized.totals);
    const attemptStarts = normalized.results.flatMap((r) => (r.startedAt ? [r.startedAt] : []));
    expect(counted.startedAt).toBe(attemptStarts.sort()[0]);
    expect(counted.durationMs).toBeGreaterThan(0);
    expect(counted.durationMs).toBeLessThanOrEqual(Math.ceil(stats?.duration ?? 0));
  });

  it('computes outcomes when test.status is missing or unknown', () => {
    const copy = structuredClone(report);
    for (const suite of allSuites(copy.suites)) {
      for (const spec of suite.specs ?? []) {
        spec.tests.forEach((test, i) => (test.status = i === 0 ? undefined : 'mystery'));
      }
    }
    expect(verdicts(normalizeReport(copy))).toEqual(verdicts(normalized));
  });

  it('derives the identity from project, file and describe titles', () => {
    const deep = find(normalized, 'beta', 'outer @regression', 'inner', 'deep test');
    expect(deep).toMatchObject({ file: 'nested/deep.spec.ts', title: 'deep test', repeatIndex: 0 });
    expect(deep.identityKey).toBe(JSON.stringify(['beta', 'nested/deep.spec.ts', deep.titlePath]));
    // The tests table keys identities by this hash: rows stored by earlier versions must match.
    expect(identityHash(deep.identityKey)).toBe(
      createHash('sha256')
        .update(JSON.stringify(['beta', 'nested/deep.spec.ts', deep.titlePath]))
        .digest('hex'),
    );
    expect(
      find(normalized, 'alpha', 'outer @regression', 'inner', 'deep test').identityKey,
    ).not.toBe(deep.identityKey);
    expect(new Set(normalized.results.map((r) => r.identityKey)).size).toBe(28);
  });

  it('keeps Playwright ids only where the JSON has them (the spec’s first test)', () => {
    const alpha = find(normalized, 'alpha', 'always fails');
    expect(alpha.playwrightId).toMatch(/^[\da-f]{20}-[\da-f]{20}$/);
    expect(find(normalized, 'beta', 'always fails').playwrightId).toBeNull();
    expect(alpha).toMatchObject({ line: 20, column: 1 });
  });

  it('marks a test that passes on retry as flaky, with both attempts', () => {
    const flaky = find(normalized, 'alpha', 'flaky on first attempt');
    expect(flaky).toMatchObject({ outcome: 'flaky', attempts: 2, finalStatus: 'passed' });
    expect(flaky.attemptDetails?.map((a) => [a.retry, a.status])).toEqual([
      [0, 'failed'],
      [1, 'passed'],
    ]);
    expect(flaky.failedDurationMs).toBe(flaky.attemptDetails?.[0]?.durationMs);
    expect(flaky.error?.signature).toBe('expect(received).toBe(expected) // Object.is equality');
    expect(flaky.error?.message).toContain('Expected: "ok"\nReceived: "failure"');
    expect(flaky.error?.stack).toContain('control.ts:');
  });

  it('keeps the last error of an always failing test, without ANSI', () => {
    const failing = find(normalized, 'beta', 'always fails');
    expect(failing).toMatchObject({ outcome: 'unexpected', attempts: 3, finalStatus: 'failed' });
    expect(failing.failedDurationMs).toBe(failing.durationMs);
    expect(failing.error).toEqual(failing.attemptDetails?.[2]?.error);
    expect(JSON.stringify(normalized)).not.toContain('\u001b');
  });

  it('counts a failing test.fail() test as expected, not as failed time', () => {
    const expectedFailure = find(normalized, 'alpha', 'expected to fail');
    expect(expectedFailure).toMatchObject({
      outcome: 'expected',
      expectedStatus: 'failed',
      finalStatus: 'failed',
      failedDurationMs: 0,
      annotations: [{ type: 'fail', description: 'known bug' }],
    });
    expect(expectedFailure.error?.message).toContain('a different title');
  });

  it('reads static, fixme and runtime skips', () => {
    expect(find(normalized, 'alpha', 'skipped statically')).toMatchObject({
      outcome: 'skipped',
      expectedStatus: 'skipped',
      attemptDetails: null,
      error: null,
      annotations: [{ type: 'skip' }],
    });
    expect(find(normalized, 'beta', 'not ready yet').annotations).toEqual([{ type: 'fixme' }]);
    expect(find(normalized, 'alpha', 'alpha only').outcome).toBe('expected');
    expect(find(normalized, 'beta', 'alpha only')).toMatchObject({
      outcome: 'skipped',
      annotations: [{ type: 'skip', description: 'runs on alpha only' }],
    });
  });

  it('does not count serial-mode re-runs of passing tests as flaky', () => {
    const group = (title: string) => find(normalized, 'alpha', 'checkout flow', title);
    expect(group('add to cart')).toMatchObject({ outcome: 'expected', attempts: 2 });
    expect(group('pay')).toMatchObject({ outcome: 'flaky', attempts: 2 });
    expect(group('confirm')).toMatchObject({ outcome: 'expected', failedDurationMs: 0 });
    expect(group('confirm').attemptDetails?.map((a) => a.status)).toEqual(['skipped', 'passed']);
    expect(group('confirm').annotations).toEqual([{ type: 'serial' }]);
  });

  it('reads tags without @ and annotations without locations', () => {
    expect(find(normalized, 'alpha', 'tagged with details')).toMatchObject({
      tags: ['smoke', 'api'],
      annotations: [
        { type: 'issue', description: 'https://example.invalid/issues/42' },
        { type: 'note', description: 'added at runtime' },
      ],
    });
    expect(find(normalized, 'beta', 'title tag @fast').tags).toEqual(['fast']);
    expect(find(normalized, 'alpha', 'outer @regression', 'inner', 'sibling test')).toMatchObject({
      tags: ['regression'],
      annotations: [{ type: 'owner', description: 'team-a' }],
    });
  });

  it('keeps no per-attempt detail for a single clean attempt', () => {
    const passing = find(normalized, 'alpha', 'passes with output and steps');
    expect(passing).toMatchObject({ attempts: 1, attemptDetails: null, error: null });
    expect(passing.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('stores no secrets, output, attachments or locations', () => {
    const output = JSON.stringify(normalized);
    expect(JSON.stringify(report)).not.toContain(SECRET_MARKER); // the schema strips config
    expect(JSON.stringify(loadReport('basic'))).toContain(SECRET_MARKER);
    expect(output).not.toContain(SECRET_MARKER);
    expect(output).not.toContain('hello from stdout');
    expect(output).not.toContain(Buffer.from('in-memory attachment').toString('base64'));
    expect(output).not.toContain('error-context.md');
    expect(output).not.toContain('"location"');
  });
});

describe('sharded and merged runs', () => {
  const basic = normalizeReport(generated('basic'));
  const shards = [
    normalizeReport(generated('shard-1-of-2')),
    normalizeReport(generated('shard-2-of-2')),
  ];
  const merged = normalizeReport(generated('merged'));

  it('reads the shard from the config, and none for the merged report', () => {
    expect(shards.map((s) => s.shard)).toEqual([
      { current: 1, total: 2 },
      { current: 2, total: 2 },
    ]);
    expect(merged.shard).toBeNull();
  });

  it('gives every test the same identity in a shard as in the full run', () => {
    const [first, second] = shards.map(verdicts) as [string[], string[]];
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(first.filter((v) => second.includes(v))).toEqual([]);
    expect([...first, ...second].sort()).toEqual(verdicts(basic));
  });

  it('merges into the union of the shards', () => {
    expect(verdicts(merged)).toEqual(shards.flatMap(verdicts).sort());
    const sum = (key: keyof Totals) => shards.reduce((n, s) => n + s.totals[key], 0);
    expect(merged.totals).toEqual({
      total: sum('total'),
      expected: sum('expected'),
      unexpected: sum('unexpected'),
      flaky: sum('flaky'),
      skipped: sum('skipped'),
    });
    expect(JSON.stringify(merged)).not.toContain(SECRET_MARKER);
  });
});

describe('other generated runs', () => {
  it('numbers --repeat-each repeats of the same identity', () => {
    const repeated = normalizeReport(generated('repeat-each'));
    expect(repeated.results).toHaveLength(18);
    expect(repeated.totals).toEqual(total(10, 2, 2, 4));
    const flaky = repeated.results.filter((r) => r.title === 'flaky on first attempt');
    expect(flaky.map((r) => [r.projectName, r.repeatIndex, r.outcome])).toEqual([
      ['alpha', 0, 'flaky'],
      ['alpha', 1, 'flaky'],
    ]);
    expect(flaky[0]?.identityKey).toBe(flaky[1]?.identityKey);
  });

  it('detects an onlyFailures report as partial from config.reporter', () => {
    const partial = normalizeReport(generated('only-failures'));
    expect(partial).toMatchObject({ partial: true, totals: total(0, 2, 4, 0), status: 'failed' });
    expect(partial.results.map((r) => r.outcome).sort()).toEqual([
      'flaky',
      'flaky',
      'flaky',
      'flaky',
      'unexpected',
      'unexpected',
    ]);
    expect(normalizeReport(generated('basic')).partial).toBe(false);
    expect(normalizeReport(generated('basic'), { partial: true }).partial).toBe(true);
  });

  it('reads a run where everything passes', () => {
    const passing = normalizeReport(generated('all-pass'));
    expect(passing).toMatchObject({ status: 'passed', totals: total(23, 0, 0, 5), errors: [] });
    expect(passing.results.filter((r) => r.error !== null).map((r) => r.title)).toEqual([
      'expected to fail',
      'expected to fail',
    ]);
  });

  it('reads a run aborted by its global setup', () => {
    const aborted = normalizeReport(generated('aborted'));
    expect(aborted).toMatchObject({ status: 'failed', totals: total(0, 0, 0, 0), results: [] });
    expect(aborted.errors).toEqual([
      'Error: FLK_GLOBAL_SETUP_FAIL is set: global setup refuses to start the run',
    ]);
    expect(aborted.startedAt).not.toBeNull();
  });
});

describe('ReportReader', () => {
  it('gives the results in batches of whole file suites, as normalizeReport gives them at once', () => {
    const reader = new ReportReader(generated('basic'));
    const batches: NormalizedResult[][] = [];
    for (let batch = reader.take(2); batch.length > 0; batch = reader.take(2)) batches.push(batch);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.slice(0, -1).every((batch) => batch.length >= 2)).toBe(true);
    const whole = normalizeReport(generated('basic'));
    expect(batches.flat()).toEqual(whole.results);
    expect(reader.finish()).toEqual(whole);
  });

  it('knows the report-level facts before any test is read when the report has stats', () => {
    const reader = new ReportReader(generated('basic'));
    const { results: _results, ...facts } = normalizeReport(generated('basic'));
    expect(reader.header).toEqual(facts);
  });

  it('reads them from the tests when the report has no stats', () => {
    const { stats: _stats, ...report } = loadReport('basic') as Record<string, unknown>;
    const reader = new ReportReader(parse(report));
    expect(reader.header).toBeNull();
    expect(reader.finish().totals).toEqual(normalizeReport(generated('basic')).totals);
  });
});

function total(expected: number, unexpected: number, flaky: number, skipped: number): Totals {
  return { total: expected + unexpected + flaky + skipped, expected, unexpected, flaky, skipped };
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= 6 ? [value] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringLeaves);
}
