import type { HistoryEntry, TrendDay } from '@flackyness/shared/api';
import { describe, expect, it } from 'vitest';
import { OUTCOME_COLORS, calendarOptions, historyOptions, trendOptions } from './options';

const day = (date: string, runs: number, flakyRuns = 0, commitFlakes = 0): TrendDay => ({
  day: date,
  runs,
  flakyRuns,
  failedRuns: 0,
  commitFlakes,
  skippedRuns: 0,
  wastedMs: 0,
  flakeRate: runs > 0 ? (flakyRuns + commitFlakes) / runs : 0,
});

type Series = { name: string; data: unknown[]; type: string };

describe('option builders', () => {
  it('trend: one point per day, no rate on days without runs', () => {
    const options = trendOptions([day('2026-12-01', 10, 1), day('2026-12-02', 0)]);
    expect((options.xAxis as { data: string[] }).data).toEqual(['2026-12-01', '2026-12-02']);
    const [rate, runs] = options.series as Series[];
    expect(rate?.data).toEqual([0.1, null]);
    expect(runs?.data).toEqual([10, 0]);
  });

  it('calendar: counts flaky runs and commit flakes per day over the given range', () => {
    const options = calendarOptions([day('2026-09-02', 5, 1, 1), day('2026-12-02', 3, 0, 0)]);
    expect((options.calendar as { range: string[] }).range).toEqual(['2026-09-02', '2026-12-02']);
    expect((options.series as Series[])[0]?.data).toEqual([
      ['2026-09-02', 2],
      ['2026-12-02', 0],
    ]);
    expect((options.visualMap as { max: number }).max).toBe(2);
    // An empty window still draws (max at least 1, no range).
    expect((calendarOptions([]).visualMap as { max: number }).max).toBe(1);
  });

  it('history: one series per outcome, one row per branch, in outcome colours', () => {
    const entry = (outcome: HistoryEntry['outcome'], branch: string | null, at: string) =>
      ({ outcome, branch, startedAt: at, attempts: outcome === 'flaky' ? 2 : 1 }) as HistoryEntry;
    const options = historyOptions([
      entry('flaky', 'main', '2026-12-01T10:00:00Z'),
      entry('expected', 'feature/x', '2026-12-01T11:00:00Z'),
      entry('unexpected', null, '2026-12-01T12:00:00Z'),
    ]);
    expect((options.yAxis as { data: string[] }).data).toEqual([
      '(no branch)',
      'feature/x',
      'main',
    ]);
    const series = options.series as (Series & { color: string })[];
    expect(series.map((s) => s.name)).toEqual(['expected', 'flaky', 'unexpected', 'skipped']);
    expect(series.find((s) => s.name === 'flaky')).toMatchObject({
      color: OUTCOME_COLORS.flaky,
      data: [['2026-12-01T10:00:00Z', 'main', 2]],
    });
    expect(series.find((s) => s.name === 'skipped')?.data).toEqual([]);
  });
});
