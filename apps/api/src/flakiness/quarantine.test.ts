import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { playwrightReportSchema } from '@flackyness/shared/playwright-report';
import { runPlaywright } from '../../test/fixtures/reports.ts';
import { normalizeReport } from '../report/report-reader.ts';
import { grepInvertPattern, type QuarantineTarget } from './quarantine.ts';

/** Which tests a real `playwright test --list` selects, as (project, file, title path) keys. */
async function listTests(args: string[]): Promise<Set<string>> {
  const run = await runPlaywright(['test', '--list', ...args]);
  try {
    const report = normalizeReport(playwrightReportSchema.parse(run.report));
    return new Set(report.results.map((r) => JSON.stringify([r.projectName, r.file, r.titlePath])));
  } finally {
    await rm(run.dir, { recursive: true, force: true });
  }
}

const key = (t: QuarantineTarget) => JSON.stringify([t.projectName, t.file, t.titlePath]);

describe('the quarantine pattern, applied by the real Playwright runner', () => {
  it('leaves out exactly the quarantined tests', async () => {
    const everything = await listTests([]);
    const quarantined: QuarantineTarget[] = [
      // A test inside a serial describe, in one project only.
      { projectName: 'alpha', file: 'serial.spec.ts', titlePath: ['checkout flow', 'pay'] },
      // A test declared with tag details, in the other project.
      { projectName: 'beta', file: 'basics.spec.ts', titlePath: ['tagged with details'] },
      // Nested describes whose outer title carries a tag.
      {
        projectName: 'alpha',
        file: 'nested/deep.spec.ts',
        titlePath: ['outer @regression', 'inner', 'deep test'],
      },
    ];
    for (const test of quarantined) expect(everything.has(key(test))).toBe(true);

    const pattern = grepInvertPattern(quarantined);
    expect(pattern).not.toBeNull();
    const selected = await listTests(['--grep-invert', pattern as string]);

    const expected = new Set([...everything].filter((k) => !quarantined.some((t) => key(t) === k)));
    expect([...selected].sort()).toEqual([...expected].sort());
  }, 60_000);
});
