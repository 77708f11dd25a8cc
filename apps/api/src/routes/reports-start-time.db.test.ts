import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../test/api-shapes.ts';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';

/**
 * A run part's start must lie in [now − RETENTION_MONTHS, now + 1 day] (DESIGN.md §5): older ones
 * retention would delete at once, later ones never. Refused with a 400 naming the field read.
 */

const NOW = new Date('2026-03-31T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: () => NOW });
});
afterAll(async () => {
  await t?.close();
});

interface Attempt {
  startTime: string;
}
interface Report {
  stats?: { startTime: string };
  suites: { specs: { tests: { results: Attempt[] }[] }[]; suites?: Report['suites'] }[];
}

/** basic.json with its start, and every attempt's start, moved to `start`. */
function reportStartingAt(start: Date, { withStats = true } = {}): Report {
  const report = structuredClone(loadReport('basic')) as Report;
  const shift = start.getTime() - Date.parse(report.stats?.startTime ?? '');
  const visit = (suites: Report['suites']) => {
    for (const suite of suites) {
      for (const spec of suite.specs) {
        for (const test of spec.tests) {
          for (const attempt of test.results) {
            attempt.startTime = new Date(Date.parse(attempt.startTime) + shift).toISOString();
          }
        }
      }
      visit(suite.suites ?? []);
    }
  };
  visit(report.suites);
  if (withStats && report.stats) report.stats.startTime = start.toISOString();
  else delete report.stats;
  return report;
}

async function expectRefused(response: Response, projectId: string, path: string) {
  const body = (await response.json()) as ErrorBody;
  expect(response.status).toBe(400);
  expect(body.error.code).toBe('validation_failed');
  expect(body.error.details).toEqual([{ path, message: expect.any(String) }]);
  expect(await countProjectRows(t, projectId)).toEqual({ runs: 0, parts: 0, results: 0, tests: 0 });
}

describe('start time of an upload', () => {
  it('refuses stats.startTime more than RETENTION_MONTHS ago', async () => {
    const { project, token } = await createProject(t);
    // Twelve months before March 31st is March 31st of the year before.
    const response = await uploadReport(
      t,
      token,
      reportStartingAt(new Date('2025-03-31T11:59:00.000Z')),
    );
    await expectRefused(response, project.id, 'stats.startTime');
  });

  it('refuses a start more than a day ahead, and creates no partition for it', async () => {
    const { project, token } = await createProject(t);
    const response = await uploadReport(
      t,
      token,
      reportStartingAt(new Date('9999-06-01T00:00:00.000Z')),
    );
    await expectRefused(response, project.id, 'stats.startTime');
    const [row] = await t.database.sql<{ exists: boolean }[]>`
      select to_regclass('test_results_9999_06') is not null as exists`;
    expect(row?.exists).toBe(false);
  });

  it('names the attempts when the report has no stats', async () => {
    const { project, token } = await createProject(t);
    const response = await uploadReport(
      t,
      token,
      reportStartingAt(new Date(NOW.getTime() - 400 * DAY_MS), { withStats: false }),
    );
    await expectRefused(response, project.id, 'suites[].specs[].tests[].results[].startTime');
  });

  it('accepts starts at both ends of the range', async () => {
    const { token } = await createProject(t);
    const earliest = new Date('2025-03-31T12:01:00.000Z');
    const latest = new Date(NOW.getTime() + DAY_MS - 60_000);
    for (const start of [earliest, latest]) {
      const response = await uploadReport(t, token, reportStartingAt(start));
      expect(response.status, await response.clone().text()).toBe(201);
      const body = (await response.json()) as { run: { startedAt: string } };
      expect(body.run.startedAt).toBe(start.toISOString());
    }
  });
});
