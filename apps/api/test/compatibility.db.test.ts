import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Totals } from './api-shapes.ts';
import { createProject, startTestApp, uploadReport, type TestApp } from './harness.ts';

/**
 * Real Playwright JSON reports from public projects (shared/fixtures/playwright-reports, present on
 * CI): each is accepted and stored with Playwright's own totals, one row per test, and none of the
 * settings in its config (environment variables, metadata, project `use`) is stored anywhere.
 */

const dir = fileURLToPath(
  new URL('../../../../shared/fixtures/playwright-reports/', import.meta.url),
);
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];

type Outcome = Exclude<keyof Totals, 'total'>;
interface Suite {
  specs?: { tests: { status?: string }[] }[];
  suites?: Suite[];
}
interface Report {
  config: Record<string, unknown> & {
    metadata?: unknown;
    webServer?: unknown;
    projects?: { use?: unknown }[];
    filteredProjects?: { use?: unknown }[];
  };
  suites: Suite[];
  stats?: Partial<Record<Outcome, number>>;
}

/** Every test (one project's run of a spec) in the report, with Playwright's test-level status. */
function testStatuses(suites: Suite[]): string[] {
  const out: string[] = [];
  const walk = (suite: Suite) => {
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests) out.push(test.status ?? '');
    for (const child of suite.suites ?? []) walk(child);
  };
  suites.forEach(walk);
  return out;
}

/** Playwright's own counts: `stats` where it has them (1.40+), else the tests' statuses. */
function playwrightTotals(report: Report): Totals {
  const stats = report.stats;
  const outcomes: Outcome[] = ['expected', 'unexpected', 'flaky', 'skipped'];
  const totals: Totals = { total: 0, expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  if (stats && outcomes.every((o) => typeof stats[o] === 'number')) {
    for (const o of outcomes) totals[o] = stats[o] as number;
  } else {
    for (const status of testStatuses(report.suites)) {
      if (!outcomes.includes(status as Outcome))
        throw new Error(`unexpected test status "${status}"`);
      totals[status as Outcome]++;
    }
  }
  totals.total = totals.expected + totals.unexpected + totals.flaky + totals.skipped;
  return totals;
}

/**
 * Distinctive strings that occur only in the report's settings (metadata, web server, projects'
 * `use`) and nowhere in its results, so finding one in stored data means raw config was stored.
 */
function configOnlyStrings(report: Report): string[] {
  const { suites, stats } = report;
  const outsideConfig = JSON.stringify({
    suites,
    stats,
    errors: (report as { errors?: unknown }).errors,
  });
  const found = new Set<string>();
  const collect = (value: unknown) => {
    if (typeof value === 'string') {
      if (value.length >= 16 && !outsideConfig.includes(value)) found.add(value);
    } else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  const { config } = report;
  collect(config.metadata);
  collect(config.webServer);
  for (const project of [...(config.projects ?? []), ...(config.filteredProjects ?? [])])
    collect(project.use);
  return [...found];
}

let t: TestApp;
beforeAll(async () => {
  // These reports are as old as their projects' runs were: accept starts up to 20 years back.
  if (files.length > 0) t = await startTestApp({ env: { RETENTION_MONTHS: '240' } });
});
afterAll(async () => {
  await t?.close();
});

describe.skipIf(!existsSync(dir))('real-world Playwright reports', () => {
  it('finds the reports', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('accepts %s with Playwright’s own totals', async (file) => {
    const raw = readFileSync(`${dir}${file}`);
    const report = JSON.parse(raw.toString('utf8')) as Report;
    const expected = playwrightTotals(report);
    const testCount = testStatuses(report.suites).length;

    const { project, token } = await createProject(t);
    const response = await uploadReport(t, token, raw, {
      query: { branch: 'main', pipeline: file },
    });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    const { run } = JSON.parse(text) as { run: { id: string; totals: Totals } };
    expect(run.totals).toEqual(expected);

    const [stored] = await t.database.sql<{ results: number }[]>`
      select count(*)::int as results from test_results where run_id = ${run.id} and project_id = ${project.id}`;
    expect(stored?.results).toBe(testCount);

    const detail = await t.request(`/api/v1/runs/${run.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(detail.status).toBe(200);
    const detailText = await detail.text();
    expect((JSON.parse(detailText) as { results: unknown[] }).results).toHaveLength(testCount);

    // Nothing from the report's settings is stored: neither in the API's answer nor in any row.
    const secrets = configOnlyStrings(report);
    const sql = t.database.sql;
    const rows: string[] = [];
    for (const table of ['runs', 'run_parts', 'tests', 'test_results'] as const) {
      const found = await sql<{ row: string }[]>`
        select row_to_json(x)::text as row from ${sql(table)} x where project_id = ${project.id}`;
      rows.push(...found.map((r) => r.row));
    }
    const leaked = secrets.filter(
      (s) => detailText.includes(s) || rows.some((row) => row.includes(s)),
    );
    expect(leaked).toEqual([]);
  });

  it.runIf(files.includes('kelios__metravel2__e2e-results.json'))(
    'keeps the kelios report’s environment out of storage',
    async () => {
      const file = 'kelios__metravel2__e2e-results.json';
      const raw = readFileSync(`${dir}${file}`);
      const report = JSON.parse(raw.toString('utf8')) as Report;
      // Its config carries the author's environment (config.webServer.env); the check above has teeth.
      const secrets = configOnlyStrings(report);
      const marker = 'LIGHTHOUSE_FORM_FACTOR=desktop node scripts/lighthouse-travel-score.js';
      expect(secrets).toContain(marker);
      expect(secrets.length).toBeGreaterThan(50);

      const { project, token } = await createProject(t);
      const response = await uploadReport(t, token, raw);
      expect(response.status).toBe(201);
      const { run } = (await response.json()) as { run: { id: string } };
      const detail = await t.request(`/api/v1/runs/${run.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const detailText = await detail.text();
      expect(detailText).not.toContain(marker);
      expect(detailText).not.toContain('npm_package_scripts');
      const [row] = await t.database.sql<{ n: number }[]>`
        select count(*)::int as n from run_parts x
        where project_id = ${project.id} and row_to_json(x)::text like ${'%npm_package%'}`;
      expect(row?.n).toBe(0);
    },
  );
});
