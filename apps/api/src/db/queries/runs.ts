import type { LiveProgress } from '@flackyness/shared/api';
import type { Sql, TxSql } from '../client.ts';
import { resultFields, type StoredResultFields } from './result-fields.ts';
import type { RunMetadata } from '../../domain/run-metadata.ts';

export interface RunRow {
  id: string;
  projectId: string;
  source: 'upload' | 'live';
  status: string;
  branch: string | null;
  commit: string | null;
  pipeline: string | null;
  job: string;
  ciProvider: string | null;
  repository: string | null;
  pr: string | null;
  runUrl: string | null;
  environment: string | null;
  runName: string | null;
  playwrightVersion: string | null;
  startedAt: Date;
  durationMs: number;
  total: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
  excludedFromStats: boolean;
  partCount: number;
  /** A live run's progress, summed over its reporter sessions; null when it has none. */
  live: LiveProgress | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The run's reporter sessions summed up (null for a run that has none: an upload). */
const liveProgress = (sql: Sql | TxSql) => sql`(
  select case when count(*) = 0 then null else json_build_object(
    'totalTests', least(sum(s.total_tests), 2147483647)::int,
    'finished', least(sum(s.finished), 2147483647)::int,
    'expected', least(sum(s.expected), 2147483647)::int,
    'unexpected', least(sum(s.unexpected), 2147483647)::int,
    'flaky', least(sum(s.flaky), 2147483647)::int,
    'skipped', least(sum(s.skipped), 2147483647)::int,
    'runningSessions', count(*) filter (where s.status = 'running'),
    'sessions', count(*),
    'reporterVersion', max(s.reporter_version),
    'lastEventAt', to_char(max(s.last_event_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ) end
  from live_sessions s where s.project_id = r.project_id and s.run_id = r.id)`;

const runColumns = (sql: Sql | TxSql) => sql`
  r.id, r.project_id as "projectId", r.source, r.status, r.branch, r.commit, r.pipeline, r.job,
  r.ci_provider as "ciProvider", r.repository, r.pr, r.run_url as "runUrl", r.environment,
  r.run_name as "runName", r.playwright_version as "playwrightVersion", r.started_at as "startedAt",
  r.duration_ms as "durationMs", r.total, r.expected, r.unexpected, r.flaky, r.skipped,
  r.excluded_from_stats as "excludedFromStats",
  (select count(*)::int from run_parts p where p.project_id = r.project_id and p.run_id = r.id) as "partCount",
  ${liveProgress(sql)} as "live",
  r.created_at as "createdAt", r.updated_at as "updatedAt"`;

/**
 * The run named by (project, pipeline, job), created on first upload and locked for the rest of
 * the transaction, so the shards of one run are merged one at a time. Metadata sent later fills
 * gaps and never erases what an earlier shard said; the run's branch and commit before this upload
 * are returned beside the new ones (the caller refuses a part that contradicts them).
 */
export async function lockRunForUpload(
  tx: TxSql,
  projectId: string,
  meta: RunMetadata,
  startedAt: Date,
  options: RunLockOptions = {},
): Promise<LockedRun> {
  if (options.runId !== undefined) return lockRunById(tx, projectId, options.runId, meta);
  const source = options.source ?? 'upload';
  const values = runInsertValues(tx, projectId, meta, startedAt, source);
  const [row] = meta.pipeline
    ? await tx<LockedRun[]>`
        -- Read in the statement's snapshot: the run as the previous upload left it (uploads of a
        -- project hold its window lock, so no other one changes it meanwhile).
        with earlier as (
          select branch, commit from runs
          where project_id = ${projectId} and pipeline = ${meta.pipeline} and job = ${meta.job}
        )
        insert into runs ${values}
        on conflict (project_id, pipeline, job) where pipeline is not null do update set
          branch = coalesce(excluded.branch, runs.branch),
          commit = coalesce(excluded.commit, runs.commit),
          ci_provider = coalesce(excluded.ci_provider, runs.ci_provider),
          repository = coalesce(excluded.repository, runs.repository),
          pr = coalesce(excluded.pr, runs.pr),
          run_url = coalesce(excluded.run_url, runs.run_url),
          environment = coalesce(excluded.environment, runs.environment),
          run_name = coalesce(excluded.run_name, runs.run_name),
          ${source === 'live' ? tx`status = 'running',` : tx``}
          updated_at = now()
        returning ${lockedRunColumns(tx)}, exists (select 1 from earlier) as "existed",
          (select branch from earlier) as "earlierBranch", (select commit from earlier) as "earlierCommit"`
    : await tx<LockedRun[]>`
        insert into runs ${values}
        returning ${lockedRunColumns(tx)}, false as "existed", null as "earlierBranch",
          null as "earlierCommit"`;
  return row as LockedRun;
}

export interface RunLockOptions {
  /** Who opens the run when it is new: an upload, or a live reporter's setup (which also puts an
   *  existing run back to running). */
  source?: 'upload' | 'live';
  /** The run is this one (a live session's), whatever its pipeline. */
  runId?: string;
}

/** lockRunForUpload for a run known by its id: metadata fills gaps, as in an upload. */
async function lockRunById(
  tx: TxSql,
  projectId: string,
  runId: string,
  meta: RunMetadata,
): Promise<LockedRun> {
  const [row] = await tx<LockedRun[]>`
    with earlier as (
      select branch, commit from runs where project_id = ${projectId} and id = ${runId}
    )
    update runs set
      branch = coalesce(${meta.branch ?? null}, runs.branch),
      commit = coalesce(${meta.commit ?? null}, runs.commit),
      ci_provider = coalesce(${meta.ciProvider ?? null}, runs.ci_provider),
      repository = coalesce(${meta.repository ?? null}, runs.repository),
      pr = coalesce(${meta.pr ?? null}, runs.pr),
      run_url = coalesce(${meta.runUrl ?? null}, runs.run_url),
      environment = coalesce(${meta.environment ?? null}, runs.environment),
      run_name = coalesce(${meta.runName ?? null}, runs.run_name),
      updated_at = now()
    where project_id = ${projectId} and id = ${runId}
    returning ${lockedRunColumns(tx)}, true as "existed",
      (select branch from earlier) as "earlierBranch", (select commit from earlier) as "earlierCommit"`;
  if (!row) throw new RunGone(runId);
  return row;
}

/** The live run a teardown completes was deleted meanwhile. */
export class RunGone extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} was deleted`);
  }
}

/** What ingest needs of the run it is adding a part to. */
export interface LockedRun {
  id: string;
  projectId: string;
  branch: string | null;
  commit: string | null;
  excludedFromStats: boolean;
  /** false when this upload created the run. */
  existed: boolean;
  /** The run's branch and commit before this upload. */
  earlierBranch: string | null;
  earlierCommit: string | null;
}

const lockedRunColumns = (tx: TxSql) =>
  tx`id, project_id as "projectId", branch, commit, excluded_from_stats as "excludedFromStats"`;

function runInsertValues(
  tx: TxSql,
  projectId: string,
  meta: RunMetadata,
  startedAt: Date,
  source: 'upload' | 'live',
) {
  return tx({
    project_id: projectId,
    source,
    status: 'running',
    branch: meta.branch ?? null,
    commit: meta.commit ?? null,
    pipeline: meta.pipeline ?? null,
    job: meta.job,
    ci_provider: meta.ciProvider ?? null,
    repository: meta.repository ?? null,
    pr: meta.pr ?? null,
    run_url: meta.runUrl ?? null,
    environment: meta.environment ?? null,
    run_name: meta.runName ?? null,
    started_at: startedAt,
  });
}

/** A run's totals after a refresh, and whether it is kept out of flakiness statistics now. */
export interface RefreshedRun {
  total: number;
  unexpected: number;
  skipped: number;
  excludedFromStats: boolean;
}

/**
 * Recomputes a run from its parts: totals add up, the run starts with its earliest part and ends
 * with its latest, and its status is the worst of theirs. The mass-failure guard is the caller's
 * (flakiness/model.ts), applied to the totals returned.
 */
export async function refreshRunFromParts(
  tx: TxSql,
  projectId: string,
  runId: string,
): Promise<RefreshedRun> {
  const [row] = await tx<RefreshedRun[]>`
    with parts as (
      select
        min(started_at) as started_at,
        max(started_at + duration_ms * interval '1 millisecond') as ended_at,
        -- Each part's numbers fit int4, their sums may not: they saturate instead of failing.
        least(sum(total), 2147483647)::int as total,
        least(sum(expected), 2147483647)::int as expected,
        least(sum(unexpected), 2147483647)::int as unexpected,
        least(sum(flaky), 2147483647)::int as flaky,
        least(sum(skipped), 2147483647)::int as skipped,
        max(playwright_version) as playwright_version,
        bool_or(status = 'interrupted') as interrupted,
        bool_or(status = 'timedout') as timedout,
        bool_or(status = 'failed') as failed
      from run_parts where project_id = ${projectId} and run_id = ${runId}
    )
    update runs set
      started_at = parts.started_at,
      -- A job retried weeks later joins its run: more than int4 ms (24.8 days) saturates too.
      duration_ms = least(
        greatest(0, round(extract(epoch from parts.ended_at - parts.started_at) * 1000)),
        2147483647)::int,
      total = parts.total, expected = parts.expected, unexpected = parts.unexpected,
      flaky = parts.flaky, skipped = parts.skipped,
      playwright_version = parts.playwright_version,
      -- A reporter still streaming a shard keeps the run running; one given up for dead leaves
      -- it cancelled until its teardown comes.
      status = case
        when exists (
          select 1 from live_sessions s
          where s.project_id = ${projectId} and s.run_id = ${runId} and s.status = 'running')
          then 'running'
        when exists (
          select 1 from live_sessions s
          where s.project_id = ${projectId} and s.run_id = ${runId} and s.status = 'cancelled')
          then 'cancelled'
        when parts.interrupted then 'interrupted'
        when parts.timedout then 'timedout'
        when parts.failed then 'failed'
        else 'passed' end,
      updated_at = now()
    from parts
    where runs.project_id = ${projectId} and runs.id = ${runId}
    returning runs.total, runs.unexpected, runs.skipped, excluded_from_stats as "excludedFromStats"`;
  return row ?? { total: 0, unexpected: 0, skipped: 0, excludedFromStats: false };
}

/** Keeps the run out of flakiness statistics, or lets it back in. */
export async function setRunExcluded(
  tx: TxSql,
  projectId: string,
  runId: string,
  excluded: boolean,
): Promise<void> {
  await tx`
    update runs set excluded_from_stats = ${excluded}
    where project_id = ${projectId} and id = ${runId}`;
}

/**
 * The run, by its id. With the project known, a lookup by primary key (one shard under Citus);
 * without it, by the id alone (runs_id_idx): the entry point of GET /runs/:runId, which learns the
 * project from the run (docs/scaling.md).
 */
export async function getRun(
  sql: Sql | TxSql,
  runId: string,
  projectId?: string,
): Promise<RunRow | undefined> {
  if (!/^\d{1,18}$/.test(runId)) return undefined;
  const [row] = await sql<RunRow[]>`
    select ${runColumns(sql)} from runs r
    where r.id = ${runId} ${projectId === undefined ? sql`` : sql`and r.project_id = ${projectId}`}`;
  return row;
}

export interface RunFilters {
  source?: 'upload' | 'live' | undefined;
  branch?: string | undefined;
  status?: string | undefined;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { startedAt: string; id: string } | undefined;
}

/** Newest first, keyset-paginated on (started_at, id). */
export async function listRuns(
  sql: Sql,
  projectId: string,
  filters: RunFilters,
): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select ${runColumns(sql)} from runs r
    where r.project_id = ${projectId}
      ${filters.source ? sql`and r.source = ${filters.source}` : sql``}
      ${filters.branch ? sql`and r.branch = ${filters.branch}` : sql``}
      ${filters.status ? sql`and r.status = ${filters.status}` : sql``}
      ${
        filters.after
          ? sql`and (r.started_at, r.id) < (${filters.after.startedAt}::timestamptz, ${filters.after.id}::bigint)`
          : sql``
      }
    order by r.started_at desc, r.id desc
    limit ${filters.limit + 1}`;
}

export interface RunPartRow {
  id: string;
  shard: string;
  status: string;
  partial: boolean;
  startedAt: Date;
  durationMs: number;
  total: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
  errors: string[];
  createdAt: Date;
}

export async function listRunParts(
  sql: Sql,
  projectId: string,
  runId: string,
): Promise<RunPartRow[]> {
  return sql<RunPartRow[]>`
    select id, shard, status, partial, started_at as "startedAt", duration_ms as "durationMs",
      total, expected, unexpected, flaky, skipped, errors, created_at as "createdAt"
    from run_parts where project_id = ${projectId} and run_id = ${runId} order by shard, id`;
}

export interface RunResultRow extends StoredResultFields {
  testId: string;
  projectName: string;
  file: string;
  title: string;
  titlePath: string[];
}

/** A run's results, failures first. */
export async function listRunResults(
  sql: Sql,
  projectId: string,
  runId: string,
): Promise<RunResultRow[]> {
  return sql<RunResultRow[]>`
    select tr.test_id as "testId", t.project_name as "projectName", t.file, t.title,
      t.title_path as "titlePath", ${resultFields(sql)}
    from test_results tr
    join tests t on t.id = tr.test_id and t.project_id = ${projectId}
    where tr.run_id = ${runId} and tr.project_id = ${projectId}
    order by array_position(array['unexpected','flaky','expected','skipped']::outcome[], tr.outcome),
      t.file, t.title_path, t.project_name, tr.repeat_index`;
}
