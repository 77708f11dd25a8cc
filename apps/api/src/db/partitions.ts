import type { Sql } from './client.ts';

/** First day (UTC) of the month holding `at`, as YYYY-MM-DD. */
export function monthStart(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** The first day of the month `count` months after `month` (both YYYY-MM-DD). */
export function addMonths(month: string, count: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthStart(new Date(Date.UTC(y, m - 1 + count, 1)));
}

/**
 * Makes sure a partition is attached for every month in `months`, each in a short transaction of
 * its own: never call it inside an upload's transaction, whose inserts would then wait on nothing
 * but would keep the new month's table locked until the upload ends.
 */
export async function ensurePartitions(sql: Sql, months: Iterable<string>): Promise<void> {
  for (const month of new Set(months)) {
    await sql`select ensure_test_results_partition(${month}::date)`;
  }
}

/** The current month and `ahead` months after it, so ordinary uploads never create one. */
export async function createPartitionsAhead(
  sql: Sql,
  ahead: number,
  now = new Date(),
): Promise<void> {
  const current = monthStart(now);
  const months = Array.from({ length: ahead + 1 }, (_, i) => addMonths(current, i));
  await ensurePartitions(sql, months);
}

export interface PartitionInfo {
  name: string;
  /** Inclusive lower bound, YYYY-MM-DD. */
  month: string;
  /** A DETACH … CONCURRENTLY was interrupted: the partition is being detached. */
  detachPending: boolean;
}

export async function listPartitions(sql: Sql): Promise<PartitionInfo[]> {
  const rows = await sql<{ name: string; detachPending: boolean }[]>`
    select child.relname as name, pg_inherits.inhdetachpending as "detachPending"
    from pg_inherits
    join pg_class parent on parent.oid = pg_inherits.inhparent
    join pg_class child on child.oid = pg_inherits.inhrelid
    where parent.relname = 'test_results'
    order by child.relname`;
  return rows.flatMap(({ name, detachPending }) => {
    const match = /^test_results_(\d{4})_(\d{2})$/.exec(name);
    return match ? [{ name, month: `${match[1]}-${match[2]}-01`, detachPending }] : [];
  });
}

/**
 * Detaches and drops the partitions of the months before `cutoff` (YYYY-MM-01). DETACH …
 * CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on test_results, so uploads and reads go on
 * meanwhile (a plain DETACH or DROP would lock them out); it cannot run in a transaction block, so
 * each statement runs on its own. A detach interrupted half-way is finished with FINALIZE.
 */
export async function dropPartitionsBefore(sql: Sql, cutoff: string): Promise<string[]> {
  const expired = (await listPartitions(sql)).filter((p) => p.month < cutoff);
  for (const partition of expired) {
    const how = partition.detachPending ? 'finalize' : 'concurrently';
    await sql.unsafe(`alter table test_results detach partition "${partition.name}" ${how}`);
    await sql.unsafe(`drop table "${partition.name}"`);
  }
  return expired.map((p) => p.name);
}

/**
 * A (test, commit) pair seen only failing stops mattering once its latest failure is older than
 * the first day of the longest window a read can ask for (`cutoff`): a pass arriving later would
 * count its flake on the failure's day, outside every window. A pair with a pass and a failure is
 * kept: its flake moves if one of them is taken out.
 */
export async function pruneSettledCommits(sql: Sql, cutoff: string): Promise<number> {
  const deleted = await sql`
    delete from test_commit_stats s
    using (
      select project_id, commit, test_id from test_commit_stats
      group by project_id, commit, test_id
      having max(last_pass_day) is null and max(last_fail_day) < ${cutoff}::date
    ) settled
    where s.project_id = settled.project_id and s.commit = settled.commit and s.test_id = settled.test_id`;
  return deleted.count;
}
