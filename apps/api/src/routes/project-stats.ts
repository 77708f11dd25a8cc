import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { resolveWindow, windowQueryShape } from '../http/window-query.ts';
import { daysFrom } from '../domain/window.ts';
import { listDailyTrend, readTestCounts, type DailyTrendRow } from '../db/queries/project-stats.ts';
import { flakeRate, wilsonInterval } from '../flakiness/model.ts';
import { readableProject } from './project-param.ts';

export const projectStatsRoutes = new Hono<AppEnv>();

const statsQuery = z.strictObject(windowQueryShape);

type DayCounters = Omit<DailyTrendRow, 'day' | 'expectedRuns'>;

const trendQuery = z.strictObject(windowQueryShape);
const noResults: DayCounters = {
  runs: 0,
  flakyRuns: 0,
  failedRuns: 0,
  commitFlakes: 0,
  skippedRuns: 0,
  wastedMs: 0,
  durationMs: 0,
};

projectStatsRoutes.get('/projects/:project/stats', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(statsQuery, c.req.query(), 'query parameters');
  const now = c.get('deps').now();
  const window = await resolveWindow(database.read, config, project.id, query, now);
  const [counts, trend] = await Promise.all([
    readTestCounts(database.read, project.id, window, now),
    listDailyTrend(database.read, project.id, window),
  ]);
  const totals = { ...noResults };
  for (const row of trend) {
    for (const key of Object.keys(totals) as (keyof DayCounters)[]) totals[key] += row[key];
  }
  const interval = wilsonInterval(
    Math.min(totals.runs, totals.flakyRuns + totals.commitFlakes),
    totals.runs,
  );
  return c.json({
    projectId: project.id,
    days: window.days,
    branch: window.branch ?? null,
    totalTests: counts.totalTests,
    activeFlaky: counts.activeFlaky,
    fixedThisWeek: counts.fixedThisWeek,
    ...totals,
    flakeRate: flakeRate(totals),
    flakeRateLow: interval.low,
    flakeRateHigh: interval.high,
    trend: everyDay(trend, window.startDay, now),
  });
});

/**
 * The daily series alone (the dashboard's calendar): project_daily_stats only, so its cost is the
 * window's days, never the number of tests or results.
 */
projectStatsRoutes.get('/projects/:project/trend', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(trendQuery, c.req.query(), 'query parameters');
  const now = c.get('deps').now();
  const window = await resolveWindow(database.read, config, project.id, query, now);
  const trend = await listDailyTrend(database.read, project.id, window);
  return c.json({
    projectId: project.id,
    days: window.days,
    branch: window.branch ?? null,
    trend: everyDay(trend, window.startDay, now),
  });
});

/** One entry per day of the window, days without results as zeros, each with its flake rate. */
function everyDay(trend: DailyTrendRow[], startDay: string, now: Date) {
  const byDay = new Map(trend.map((row) => [row.day, row]));
  return daysFrom(startDay, now).map((day) => {
    const { durationMs: _, ...counters } = byDay.get(day) ?? {
      ...noResults,
      expectedRuns: 0,
      day,
    };
    return { ...counters, day, flakeRate: flakeRate(counters) };
  });
}
