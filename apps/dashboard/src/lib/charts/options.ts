import type { HistoryEntry, Outcome, TrendDay } from '@flackyness/shared/api';

/**
 * Pure option builders: API data in, an ECharts option object out. They never touch ECharts
 * itself (Chart.svelte does), so they run and are tested anywhere.
 */
export type ChartOptions = Record<string, unknown>;

/** Outcome colours that read on light and dark backgrounds alike. */
export const OUTCOME_COLORS: Record<Outcome, string> = {
  expected: '#22a06b',
  unexpected: '#e5484d',
  flaky: '#f5a524',
  skipped: '#8b8d98',
};

const percentAxis = {
  type: 'value',
  min: 0,
  axisLabel: { formatter: (value: number) => `${Math.round(value * 1000) / 10}%` },
  splitLine: { lineStyle: { opacity: 0.3 } },
};

/** The daily flake rate (line) over the runs of each day (bars). */
export function trendOptions(trend: readonly TrendDay[]): ChartOptions {
  return {
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['Flake rate', 'Runs'] },
    xAxis: { type: 'category', data: trend.map((d) => d.day), axisTick: { alignWithLabel: true } },
    yAxis: [
      percentAxis,
      { type: 'value', min: 0, minInterval: 1, splitLine: { show: false }, name: '' },
    ],
    series: [
      {
        name: 'Flake rate',
        type: 'line',
        smooth: false,
        showSymbol: trend.length <= 31,
        color: '#8b5cf6',
        data: trend.map((d) => (d.runs > 0 ? d.flakeRate : null)),
        connectNulls: false,
        tooltip: {
          valueFormatter: (v: number | null) =>
            v === null ? 'no runs' : `${(v * 100).toFixed(1)}%`,
        },
      },
      {
        name: 'Runs',
        type: 'bar',
        yAxisIndex: 1,
        color: 'rgba(139, 141, 152, 0.35)',
        barMaxWidth: 14,
        data: trend.map((d) => d.runs),
      },
    ],
  };
}

/** Flaky events per day on a calendar: flaky runs plus commit flakes, the flake rate's numerator. */
export function calendarOptions(trend: readonly TrendDay[]): ChartOptions {
  const first = trend[0]?.day;
  const last = trend.at(-1)?.day;
  const data = trend.map((d) => [d.day, d.flakyRuns + d.commitFlakes]);
  const max = Math.max(1, ...data.map(([, value]) => value as number));
  return {
    tooltip: {
      formatter: (p: { value: [string, number] }) => `${p.value[0]}: ${p.value[1]} flaky`,
    },
    visualMap: {
      min: 0,
      max,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 80,
      inRange: { color: ['#ede9fe', '#a78bfa', '#6d28d9'] },
      text: ['more', 'fewer'],
    },
    calendar: {
      range: first && last ? [first, last] : undefined,
      top: 24,
      left: 36,
      right: 12,
      cellSize: ['auto', 16],
      splitLine: { show: false },
      itemStyle: { borderWidth: 2, borderColor: 'transparent', color: 'rgba(139,141,152,0.12)' },
      yearLabel: { show: false },
      dayLabel: { firstDay: 1, nameMap: 'en' },
      monthLabel: { nameMap: 'en' },
    },
    series: [{ type: 'heatmap', coordinateSystem: 'calendar', data }],
  };
}

/**
 * One dot per result: time across, branch down, coloured by outcome, so a flaky streak on one
 * branch stands out from a failure everywhere.
 */
export function historyOptions(entries: readonly HistoryEntry[]): ChartOptions {
  const branches = [...new Set(entries.map((e) => e.branch ?? '(no branch)'))].sort();
  const outcomes: Outcome[] = ['expected', 'flaky', 'unexpected', 'skipped'];
  return {
    grid: { left: 8, right: 16, top: 36, bottom: 28, containLabel: true },
    legend: { top: 0 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; value: [string, string, number] }) =>
        `${p.value[1]} · ${p.value[0].slice(0, 16).replace('T', ' ')} UTC · ${p.seriesName} · ${p.value[2]} attempt(s)`,
    },
    xAxis: { type: 'time' },
    yAxis: { type: 'category', data: branches, axisLabel: { width: 140, overflow: 'truncate' } },
    series: outcomes.map((outcome) => ({
      name: outcome,
      type: 'scatter',
      color: OUTCOME_COLORS[outcome],
      symbolSize: 10,
      data: entries
        .filter((e) => e.outcome === outcome)
        .map((e) => [e.startedAt, e.branch ?? '(no branch)', e.attempts]),
    })),
  };
}
