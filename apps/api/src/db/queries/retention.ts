import type { Sql, TxSql } from '../client.ts';
import { numberArray } from '../array-literal.ts';

/*
 * Retention (DESIGN.md §3) works on whole runs and whole days, one project and a small batch at a
 * time, each batch in a short transaction of its own. `cutoff` is the first day kept (YYYY-MM-01).
 */

export interface ExpiredRun {
  id: string;
  branch: string | null;
  commit: string | null;
  excludedFromStats: boolean;
}

/** Locks up to `limit` of the project's runs that started before `cutoff`, oldest first. */
export async function lockExpiredRuns(
  tx: TxSql,
  projectId: string,
  cutoff: string,
  limit: number,
): Promise<ExpiredRun[]> {
  return tx<ExpiredRun[]>`
    select id, branch, commit, excluded_from_stats as "excludedFromStats"
    from runs
    where project_id = ${projectId} and started_at < ${cutoff}::timestamptz
    order by started_at, id
    limit ${limit}
    for update`;
}

/**
 * Deletes the runs with their parts and their results in the months kept; their results before
 * `cutoff` lie in partitions that are dropped whole afterwards.
 */
export async function deleteRuns(
  tx: TxSql,
  projectId: string,
  runIds: readonly string[],
  cutoff: string,
): Promise<void> {
  const ids = numberArray(runIds);
  await tx`
    delete from test_results
    where project_id = ${projectId} and run_id = any(${ids}::bigint[])
      and created_at >= ${cutoff}::timestamptz`;
  await tx`delete from runs where project_id = ${projectId} and id = any(${ids}::bigint[])`;
}

/**
 * Deletes up to `limit` of the project's per-day aggregate rows of days before `cutoff` that its
 * window no longer counts (days before its start_day were already taken out of test_stats).
 * Returns how many rows went.
 */
export async function deleteExpiredAggregates(
  sql: Sql,
  projectId: string,
  cutoff: string,
  limit: number,
): Promise<number> {
  const before = sql`least(${cutoff}::date, coalesce(
    (select start_day from project_windows where project_id = ${projectId}), ${cutoff}::date))`;
  const [daily, commits, project] = await Promise.all([
    sql`
      delete from test_daily_stats where ctid = any(array(
        select ctid from test_daily_stats
        where project_id = ${projectId} and day < ${before} limit ${limit}))`,
    sql`
      delete from test_commit_stats where ctid = any(array(
        select ctid from test_commit_stats
        where project_id = ${projectId} and greatest(last_pass_day, last_fail_day) < ${before}
        limit ${limit}))`,
    sql`delete from project_daily_stats where project_id = ${projectId} and day < ${before}`,
  ]);
  return daily.count + commits.count + project.count;
}
