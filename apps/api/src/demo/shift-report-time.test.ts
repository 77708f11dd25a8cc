import { readFileSync } from 'node:fs';
import {
  playwrightReportSchema,
  type PlaywrightReport,
  type PlaywrightSuite,
} from '@flackyness/shared/playwright-report';
import { describe, expect, it } from 'vitest';
import { shiftReportTime } from './shift-report-time.ts';

const demoReport = JSON.parse(
  readFileSync(new URL('../../demo/reports/run-01.json', import.meta.url), 'utf8'),
) as PlaywrightReport & { config: { metadata?: unknown } };

function attemptStarts(report: PlaywrightReport): number[] {
  const starts: number[] = [];
  const visit = (suite: PlaywrightSuite): void => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        for (const result of test.results) {
          if (result.startTime !== undefined) starts.push(Date.parse(result.startTime));
        }
      }
    }
    suite.suites?.forEach(visit);
  };
  report.suites.forEach(visit);
  return starts;
}

describe('shiftReportTime', () => {
  const startAt = new Date('2025-03-04T09:15:00.000Z');

  it('moves the run start and every attempt start by the same amount', () => {
    const shifted = shiftReportTime(demoReport, startAt);
    const delta = startAt.getTime() - Date.parse(demoReport.stats?.startTime as string);
    expect(shifted.stats?.startTime).toBe('2025-03-04T09:15:00.000Z');
    const before = attemptStarts(demoReport);
    expect(before.length).toBeGreaterThan(80);
    expect(attemptStarts(shifted)).toEqual(before.map((at) => at + delta));
  });

  it('keeps everything else, including fields the schema does not name, and the input as it was', () => {
    const original = JSON.stringify(demoReport);
    const shifted = shiftReportTime(demoReport, startAt);
    expect(JSON.stringify(demoReport)).toBe(original);
    expect(shifted.config.metadata).toEqual(demoReport.config.metadata);
    expect(shifted.stats?.duration).toBe(demoReport.stats?.duration);
    expect(playwrightReportSchema.safeParse(shifted).success).toBe(true);
    const strip = (json: string) => json.replace(/"startTime":"[^"]+"/g, '"startTime":""');
    expect(strip(JSON.stringify(shifted))).toBe(strip(original));
  });

  it('takes the first attempt as the start of a report without stats', () => {
    const report: PlaywrightReport = {
      config: {},
      suites: [
        {
          title: 'a.spec.ts',
          specs: [
            {
              title: 'late',
              tests: [{ results: [{ status: 'passed', startTime: '2025-01-01T10:00:05.000Z' }] }],
            },
          ],
          suites: [
            {
              title: 'nested',
              specs: [
                {
                  title: 'early',
                  tests: [
                    {
                      results: [
                        { status: 'failed', startTime: '2025-01-01T10:00:01.000Z' },
                        { status: 'passed' },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const shifted = shiftReportTime(report, new Date('2025-02-01T00:00:00.000Z'));
    expect(shifted.stats).toBeUndefined();
    expect(attemptStarts(shifted).map((at) => new Date(at).toISOString())).toEqual([
      '2025-02-01T00:00:04.000Z',
      '2025-02-01T00:00:00.000Z',
    ]);
    expect(shifted.suites[0]?.suites?.[0]?.specs?.[0]?.tests[0]?.results[1]).toEqual({
      status: 'passed',
    });
  });

  it('refuses a report with no start time at all', () => {
    expect(() => shiftReportTime({ config: {}, suites: [] }, startAt)).toThrow(/no start time/);
  });
});
