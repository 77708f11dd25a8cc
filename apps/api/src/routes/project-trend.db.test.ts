import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type ErrorBody } from '../../test/api-shapes.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';

/** The daily series alone, as the dashboard's calendar reads it: the same days as the stats. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Series {
  days: number;
  branch: string | null;
  trend: { day: string; runs: number; flakyRuns: number; flakeRate: number }[];
}

describe('GET /api/v1/projects/:project/trend', () => {
  it('answers the stats trend of the same window, one entry per day', async () => {
    const { project, token } = await createProject(t);
    const upload = await uploadReport(t, token, reportBytes('basic'), {
      query: { branch: 'main', pipeline: 'p1' },
    });
    expect(upload.status).toBe(201);
    // The fixture report ran days ago: the 91-day and default windows hold it, the 3-day one not.
    for (const [query, holdsRun] of [
      ['?days=91', true],
      ['?days=3&branch=main', false],
      ['', true],
    ] as const) {
      const [trend, stats] = await Promise.all([
        t.request(`/api/v1/projects/${project.slug}/trend${query}`, { headers: adminHeaders(t) }),
        t.request(`/api/v1/projects/${project.slug}/stats${query}`, { headers: adminHeaders(t) }),
      ]);
      expect(trend.status).toBe(200);
      const series = (await trend.json()) as Series;
      const full = (await stats.json()) as Series;
      expect(series.trend).toEqual(full.trend);
      expect(series.days).toBe(full.days);
      expect(series.trend).toHaveLength(series.days);
      expect(series.trend.some((day) => day.runs > 0)).toBe(holdsRun);
    }
  });

  it('refuses a bad window, no credentials and another project', async () => {
    const own = await createProject(t);
    const other = await createProject(t);
    const bad = await t.request(`/api/v1/projects/${own.project.slug}/trend?days=0`, {
      headers: adminHeaders(t),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.details).toBeDefined();
    expect((await t.request(`/api/v1/projects/${own.project.slug}/trend`)).status).toBe(401);
    const foreign = await t.request(`/api/v1/projects/${other.project.slug}/trend`, {
      headers: { authorization: `Bearer ${own.token}` },
    });
    expect(foreign.status).toBe(404);
  });
});
