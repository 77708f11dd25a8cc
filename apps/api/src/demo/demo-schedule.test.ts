import { describe, expect, it } from 'vitest';
import { planDemoRuns, type PlannedRun } from './demo-schedule.ts';

const DAY = 24 * 60 * 60 * 1000;
// Seven consecutive days, so that "now" falls once on every weekday, at different hours.
const nows = Array.from(
  { length: 7 },
  (_, i) => new Date(Date.parse('2026-06-15T06:45:00.000Z') + i * (DAY + 3 * 60 * 60 * 1000)),
);
const isoNows = nows.map((now) => now.toISOString());

/** The kinds of report the generator writes for each phase (demo/generate-demo-reports.ts). */
const reportsFor: Record<PlannedRun['phase'], PlannedRun['kind'][]> = {
  'before-fix': ['regular', 'outage', 'regression'],
  'after-fix': ['regular', 'outage'],
  'new-flake': ['regular', 'outage', 'sharded'],
};

describe('planDemoRuns', () => {
  it.each(isoNows)(
    'plans 80 to 120 runs over six weeks before %s, the latest minutes ago',
    (iso) => {
      const now = new Date(iso);
      const runs = planDemoRuns(now);
      expect(runs.length).toBeGreaterThanOrEqual(80);
      expect(runs.length).toBeLessThanOrEqual(120);
      const starts = runs.map((run) => run.startAt.getTime());
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      expect(starts[0]).toBeLessThan(now.getTime() - 41 * DAY);
      expect(now.getTime() - (starts.at(-1) as number)).toBe(4 * 60 * 1000);
    },
  );

  it.each(isoNows)('asks only for reports that exist, before %s', (iso) => {
    for (const run of planDemoRuns(new Date(iso))) {
      expect(reportsFor[run.phase], `${run.startAt.toISOString()} ${run.branch}`).toContain(
        run.kind,
      );
      expect(run.jobIds).toHaveLength(run.kind === 'sharded' ? 2 : 1);
    }
  });

  it('retries each outage on the same commit, and gives other runs on a branch new commits', () => {
    const runs = planDemoRuns(nows[0] as Date);
    const outages = runs.filter((run) => run.kind === 'outage');
    expect(outages.length).toBeGreaterThan(3);
    for (const outage of outages) {
      const retry = runs.find(
        (run) =>
          run.commit === outage.commit && run.startAt > outage.startAt && run.kind === 'regular',
      );
      expect(retry?.startAt.getTime()).toBeLessThan(outage.startAt.getTime() + 60 * 60 * 1000);
    }
    const feature = runs.filter((run) => run.branch === 'feature/checkout-redesign');
    expect(new Set(feature.map((run) => run.commit)).size).toBe(feature.length);
  });

  it('is the same plan for the same now, with ids that grow with time', () => {
    const now = nows[3] as Date;
    const runs = planDemoRuns(now);
    expect(planDemoRuns(now)).toEqual(runs);
    const pipelines = runs.map((run) => Number(run.pipeline));
    expect(pipelines).toEqual([...pipelines].sort((a, b) => a - b));
    expect(new Set(pipelines).size).toBe(runs.length);
  });
});
