import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import {
  playwrightReportOutlineSchema,
  playwrightReportSchema,
  type PlaywrightReport,
} from '@flackyness/shared/playwright-report';
import { ingestSettings, type Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import {
  createProject,
  deleteProject,
  findProject,
  type ProjectRow,
} from '../db/queries/projects.ts';
import type { Logger } from '../logger.ts';
import { ReportReader } from '../report/report-reader.ts';
import { ingestReport } from '../upload/ingest-report.ts';
import { monthsBefore } from '../upload/start-time.ts';
import type { UploadMetadata } from '../upload/upload-metadata.ts';
import {
  planDemoRuns,
  type DemoPhase,
  type DemoRunKind,
  type PlannedRun,
} from './demo-schedule.ts';
import { shiftReportTime } from './shift-report-time.ts';

export const DEMO_SLUG = 'demo';
const DEMO_NAME = 'Demo shop';
const REPOSITORY = 'acme/shop';
const reportsDir = new URL('../../demo/reports/', import.meta.url);

export interface SeedDemoOptions {
  database: Database;
  config: Config;
  now: () => Date;
  logger: Logger;
}

export interface SeededDemo {
  project: ProjectRow;
  /** false when the demo project existed already: nothing was changed. */
  created: boolean;
  /** The project token, shown once: only when the project was created now. */
  token?: string;
  runs: number;
}

/** A report of the demo suite as committed, with the conditions it was generated under. */
interface DemoReport {
  report: PlaywrightReport;
  phase: DemoPhase;
  regression: boolean;
  outage: boolean;
  seed: number;
  shard: { current: number; total: number } | null;
}

/**
 * Creates the "Demo shop" project (slug `demo`) and fills it with six weeks of CI history, so a
 * newcomer sees every page with data: each planned run (demo-schedule.ts) uploads one of the real
 * reports in apps/api/demo/reports, moved to its start time, through the same use case as
 * `POST /api/v1/reports`. Oldest first, as CI would have uploaded them. Does nothing when the
 * project exists.
 */
export async function seedDemo({
  database,
  config,
  now,
  logger,
}: SeedDemoOptions): Promise<SeededDemo> {
  const existing = await findProject(database.sql, DEMO_SLUG);
  if (existing) return { project: existing, created: false, runs: 0 };

  const startedAt = performance.now();
  const reports = await loadDemoReports();
  const created = await createProject(database.sql, DEMO_NAME, DEMO_SLUG);
  // Created meanwhile by another instance starting with --demo.
  if (!created) {
    const project = await findProject(database.sql, DEMO_SLUG);
    if (!project) throw new Error('The demo project was created and deleted while seeding');
    return { project, created: false, runs: 0 };
  }
  const { project, token } = created;
  const at = now();
  // Runs older than retention would be refused; with the default 12 months none is.
  const earliest = monthsBefore(at, config.RETENTION_MONTHS);
  const runs = planDemoRuns(at).filter((run) => run.startAt > earliest);
  const picker = reportPicker(reports);
  try {
    for (const run of runs) {
      const parts = picker(run.phase, run.kind);
      for (const [index, part] of parts.entries()) {
        await uploadPart(database, config, at, project.id, run, index, part);
      }
    }
  } catch (error) {
    // A half-filled demo would be kept as it is by every later start: the next one starts over.
    await deleteProject(database.sql, project.id);
    database.testIds.forget(project.id);
    throw error;
  }
  logger.info(
    { project: project.slug, runs: runs.length, ms: Math.round(performance.now() - startedAt) },
    'demo project seeded',
  );
  return { project, created: true, token, runs: runs.length };
}

/** Uploads one report (a part of the run) the way `POST /api/v1/reports` does. */
async function uploadPart(
  database: Database,
  config: Config,
  now: Date,
  projectId: string,
  run: PlannedRun,
  index: number,
  part: DemoReport,
): Promise<void> {
  // Shards of one run start a few seconds apart, as parallel CI jobs do.
  const shifted = shiftReportTime(part.report, new Date(run.startAt.getTime() + index * 7_000));
  const bytes = JSON.stringify(shifted);
  const jobId = run.jobIds[index] ?? run.jobIds[0];
  const meta: UploadMetadata = {
    branch: run.branch,
    commit: run.commit,
    pipeline: run.pipeline,
    // GitLab names the jobs of a `parallel: 2` job "e2e 1/2" and "e2e 2/2": one job, two shards.
    job: part.shard ? `e2e ${part.shard.current}/${part.shard.total}` : 'e2e',
    ciProvider: 'gitlab',
    repository: REPOSITORY,
    pr: run.pr,
    runUrl: `https://gitlab.example.com/${REPOSITORY}/-/jobs/${jobId}`,
  };
  await ingestReport(database.sql, {
    projectId,
    report: new ReportReader(playwrightReportOutlineSchema.parse(shifted)),
    meta,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    testIdCache: database.testIds,
    now,
    retentionMonths: config.RETENTION_MONTHS,
    settings: ingestSettings(config),
  });
}

/**
 * Hands out the reports of a phase and kind in turn, so that consecutive runs (a retried pipeline
 * above all) upload different outcomes. A sharded run gets both shards of one generation.
 */
function reportPicker(
  reports: readonly DemoReport[],
): (phase: DemoPhase, kind: DemoRunKind) => DemoReport[] {
  const turns = new Map<string, number>();
  return (phase, kind) => {
    const candidates = groupRuns(reports.filter((r) => r.phase === phase && kindOf(r) === kind));
    const key = `${phase}/${kind}`;
    const turn = turns.get(key) ?? 0;
    turns.set(key, turn + 1);
    const picked = candidates[turn % candidates.length];
    if (!picked) throw new Error(`No demo report for a ${kind} run in phase ${phase}`);
    return picked;
  };
}

function kindOf(report: DemoReport): DemoRunKind {
  if (report.shard) return 'sharded';
  if (report.regression) return 'regression';
  return report.outage ? 'outage' : 'regular';
}

/** Reports of one run: a single report, or the shards generated with the same seed. */
function groupRuns(reports: readonly DemoReport[]): DemoReport[][] {
  const bySeed = new Map<number, DemoReport[]>();
  for (const report of reports)
    bySeed.set(report.seed, [...(bySeed.get(report.seed) ?? []), report]);
  return [...bySeed.values()].map((parts) =>
    parts.sort((a, b) => (a.shard?.current ?? 0) - (b.shard?.current ?? 0)),
  );
}

/** What the generator recorded (DemoConditions in demo/playwright-project/chance.ts). */
interface RecordedConditions {
  seed?: number;
  phase?: DemoPhase;
  regression?: boolean;
  outage?: boolean;
}

/** The committed reports, with the conditions the generator recorded in `config.metadata.demo`. */
async function loadDemoReports(): Promise<DemoReport[]> {
  const names = (await readdir(reportsDir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => {
      const raw = JSON.parse(await readFile(new URL(name, reportsDir), 'utf8')) as {
        config?: { metadata?: { demo?: RecordedConditions } };
      };
      const demo = raw.config?.metadata?.demo;
      if (!demo?.phase || demo.seed === undefined) {
        throw new Error(`${name} has no config.metadata.demo: regenerate the demo reports`);
      }
      // Validated once here; the original object, not zod's output, is kept, so that the bytes
      // uploaded are the report as Playwright wrote it.
      playwrightReportSchema.parse(raw);
      const report = raw as unknown as PlaywrightReport;
      return {
        report,
        phase: demo.phase,
        regression: demo.regression === true,
        outage: demo.outage === true,
        seed: demo.seed,
        shard: report.config.shard ?? null,
      };
    }),
  );
}
