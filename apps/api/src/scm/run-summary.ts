import type { Sql } from '../db/client.ts';
import { listFlakyTests, type FlakyTestRow } from '../db/queries/flaky-tests.ts';
import { findProject } from '../db/queries/projects.ts';
import { getRun } from '../db/queries/runs.ts';
import { windowStartDay } from '../domain/window.ts';
import { flakeRateInterval } from '../flakiness/flaky-tests-page.ts';
import { isWindowCurrent } from '../flakiness/window.ts';
import type { RunSummary, SummaryTest } from './types.ts';

interface FailedOrFlakyResult {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  outcome: 'unexpected' | 'flaky';
  errorMessage: string | null;
  errorSignature: string | null;
}

/** The first line of an error message, as a list shows it. */
function firstLine(message: string | null): string | undefined {
  if (!message) return undefined;
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || undefined;
}

/**
 * What a pull/merge request summary says about a run, read as of `now`: the run's failures and
 * flaky results, each test with its flake rate over the default window as the flaky-tests list
 * shows it (the same counters and interval), and its quarantine (active flaky) as of now.
 */
export async function readRunSummary(
  sql: Sql,
  options: { projectId: string; runId: string; pr: string; now: Date; windowDays: number },
  urls: { run: (runId: string) => string; test: (testId: string) => string },
): Promise<(RunSummary & { startedAt: Date }) | null> {
  const { projectId, runId, now, windowDays } = options;
  const [project, run] = await Promise.all([
    findProject(sql, projectId),
    getRun(sql, runId, projectId),
  ]);
  if (!project || !run || run.projectId !== projectId) return null;
  const [results, parts] = await Promise.all([
    sql<FailedOrFlakyResult[]>`
      select distinct on (tr.test_id) tr.test_id::text as "testId", t.title,
        t.title_path as "titlePath", t.file, t.project_name as "projectName", tr.outcome,
        tr.error_message as "errorMessage", tr.error_signature as "errorSignature"
      from test_results tr
      join tests t on t.id = tr.test_id and t.project_id = ${projectId}
      where tr.project_id = ${projectId} and tr.run_id = ${runId}
        and tr.outcome in ('unexpected', 'flaky')
      -- A test repeated (--repeat-each) counts once, by its worst result.
      order by tr.test_id, array_position(array['unexpected', 'flaky']::outcome[], tr.outcome),
        tr.repeat_index`,
    sql<{ errors: string[] }[]>`
      select errors from run_parts where project_id = ${projectId} and run_id = ${runId}
      order by shard, id`,
  ]);
  const stateWindow = { startDay: windowStartDay(windowDays, now), days: windowDays };
  const stats = new Map<string, FlakyTestRow>();
  if (results.length > 0) {
    const rows = await listFlakyTests(sql, projectId, {
      window: {
        startDay: stateWindow.startDay,
        isDefault: await isWindowCurrent(sql, projectId, windowDays, now),
        stateWindow,
      },
      status: 'any',
      sort: 'title',
      order: 'asc',
      limit: results.length,
      testIds: results.map((r) => r.testId),
    });
    for (const row of rows) stats.set(row.testId, row);
  }

  const toTest = (result: FailedOrFlakyResult): SummaryTest => {
    const row = stats.get(result.testId);
    const active = row?.status === 'active';
    const error = result.outcome === 'unexpected' ? firstLine(result.errorMessage) : undefined;
    return {
      testId: result.testId,
      title: result.title,
      titlePath: result.titlePath,
      file: result.file,
      projectName: result.projectName,
      ...(error ? { error } : {}),
      ...(result.outcome === 'unexpected' && result.errorSignature
        ? { errorSignature: result.errorSignature }
        : {}),
      ...(row && row.status !== null && row.runs > 0
        ? {
            flakeRate: {
              rate: row.flakeRate,
              ...flakeRateInterval(row),
              runs: row.runs,
            },
          }
        : {}),
      quarantined: active,
      url: urls.test(result.testId),
    };
  };
  const tests = results.map((r) => ({ result: r, test: toTest(r), row: stats.get(r.testId) }));
  const failures = tests.filter((t) => t.result.outcome === 'unexpected');
  const runErrors = parts.flatMap((p) => p.errors);
  return {
    project: { id: project.id, slug: project.slug, name: project.name },
    run: {
      id: run.id,
      url: urls.run(run.id),
      status: run.status as RunSummary['run']['status'],
      source: run.source,
      runName: run.runName,
      branch: run.branch,
      commit: run.commit,
      pr: options.pr,
      durationMs: run.durationMs,
      // A live run still running counts what its reporters finished so far.
      totals:
        run.status === 'running' && run.live
          ? {
              total: run.live.totalTests,
              expected: run.live.expected,
              unexpected: run.live.unexpected,
              flaky: run.live.flaky,
              skipped: run.live.skipped,
            }
          : {
              total: run.total,
              expected: run.expected,
              unexpected: run.unexpected,
              flaky: run.flaky,
              skipped: run.skipped,
            },
      errors: runErrors,
    },
    realFailures: failures.filter((t) => !t.test.quarantined).map((t) => t.test),
    flakyFailures: failures.filter((t) => t.test.quarantined).map((t) => t.test),
    flakyInRun: tests.filter((t) => t.result.outcome === 'flaky').map((t) => t.test),
    // Detected by this run: its first detection is not older than the run's start.
    newlyDetected: tests
      .filter(
        (t) =>
          t.row?.status === 'active' &&
          t.row.firstDetectedAt !== null &&
          t.row.firstDetectedAt.getTime() >= run.startedAt.getTime(),
      )
      .map((t) => t.test),
    allFailuresQuarantined:
      runErrors.length === 0 && failures.every((t) => t.test.quarantined) && failures.length > 0,
    windowDays,
    startedAt: run.startedAt,
  };
}
