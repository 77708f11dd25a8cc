/**
 * Regenerates the reports in ./reports, which the demo project is filled from
 * (src/demo/seed-demo.ts), by running the real Playwright runner on ./playwright-project:
 *
 *   pnpm --filter @flackyness/api exec tsx demo/generate-demo-reports.ts
 *
 * Each run has its own seed, so outcomes differ from run to run but not from one generation to
 * the next; timings, worker indexes and start times do change.
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { playwrightReportSchema } from '@flackyness/shared/playwright-report';
import { normalizeReport } from '../src/report/report-reader.ts';
import { runPlaywright } from '../test/fixtures/reports.ts';

const demoDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.join(demoDir, 'playwright-project');
const reportsDir = path.join(demoDir, 'reports');
// Fixed scratch paths (not mkdtemp) so the paths written into the reports stay the same.
const scratchDir = path.join(os.tmpdir(), 'flackyness-demo-reports');

interface Generation {
  seed: number;
  phase: 'before-fix' | 'after-fix' | 'new-flake';
  /** The checkout redesign's bug: two tests fail on every attempt. */
  regression?: boolean;
  /** The payment sandbox is down: one test fails on every attempt. */
  outage?: boolean;
  /** `--shard=…`: the two shards of one run share a seed. */
  shard?: '1/2' | '2/2';
}

// Per phase of the story three ordinary reports and one with the payment outage (the seeding
// retries its pipeline on the same commit), two with the regression, and one sharded run: the
// seeding reuses each many times with shifted start times.
const generations: Generation[] = [
  { seed: 1, phase: 'before-fix' },
  { seed: 2, phase: 'before-fix' },
  { seed: 3, phase: 'before-fix' },
  { seed: 4, phase: 'before-fix', outage: true },
  { seed: 5, phase: 'before-fix', regression: true },
  { seed: 6, phase: 'before-fix', regression: true },
  { seed: 7, phase: 'after-fix' },
  { seed: 8, phase: 'after-fix' },
  { seed: 9, phase: 'after-fix' },
  { seed: 10, phase: 'after-fix', outage: true },
  { seed: 11, phase: 'new-flake' },
  { seed: 12, phase: 'new-flake' },
  { seed: 13, phase: 'new-flake' },
  { seed: 14, phase: 'new-flake', outage: true },
  { seed: 15, phase: 'new-flake', shard: '1/2' },
  { seed: 15, phase: 'new-flake', shard: '2/2' },
];

async function generate(index: number, generation: Generation): Promise<void> {
  const name = `run-${String(index + 1).padStart(2, '0')}`;
  const run = await runPlaywright(
    ['test', ...(generation.shard ? [`--shard=${generation.shard}`] : [])],
    {
      FLK_DEMO_SEED: String(generation.seed),
      FLK_DEMO_PHASE: generation.phase,
      ...(generation.regression ? { FLK_DEMO_REGRESSION: '1' } : {}),
      ...(generation.outage ? { FLK_DEMO_OUTAGE: '1' } : {}),
    },
    { dir: path.join(scratchDir, name), projectDir },
  );
  if (run.report === null) {
    throw new Error(
      `${name}: playwright exited with ${run.exitCode} and wrote no report\n${run.stderr}`,
    );
  }
  const { totals, status } = normalizeReport(playwrightReportSchema.parse(run.report));
  const target = path.join(reportsDir, `${name}.json`);
  await copyFile(run.reportFile, target);
  const kilobytes = Math.round((await stat(target)).size / 1024);
  console.log(
    `${name}.json: ${JSON.stringify(generation)} → ${status}, totals ${JSON.stringify(totals)}, ${kilobytes} KB`,
  );
}

async function main(): Promise<void> {
  await rm(scratchDir, { recursive: true, force: true });
  await rm(reportsDir, { recursive: true, force: true });
  await mkdir(reportsDir, { recursive: true });
  for (const [index, generation] of generations.entries()) await generate(index, generation);
  await rm(scratchDir, { recursive: true, force: true });
}

await main();
