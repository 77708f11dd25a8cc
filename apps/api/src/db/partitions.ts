import type { Sql, TxSql } from './client.ts';

/** First day (UTC) of the month holding `at`, as YYYY-MM-DD. */
export function monthStart(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

function addMonths(month: string, count: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthStart(new Date(Date.UTC(y, m - 1 + count, 1)));
}

/** Makes sure a partition exists for every month in `months` (inside the caller's transaction). */
export async function ensurePartitions(sql: Sql | TxSql, months: Iterable<string>): Promise<void> {
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
}

export async function listPartitions(sql: Sql): Promise<PartitionInfo[]> {
  const rows = await sql<{ name: string }[]>`
    select child.relname as name
    from pg_inherits
    join pg_class parent on parent.oid = pg_inherits.inhparent
    join pg_class child on child.oid = pg_inherits.inhrelid
    where parent.relname = 'test_results'
    order by child.relname`;
  return rows.flatMap(({ name }) => {
    const match = /^test_results_(\d{4})_(\d{2})$/.exec(name);
    return match ? [{ name, month: `${match[1]}-${match[2]}-01` }] : [];
  });
}

/**
 * Retention: drops every partition whose month ended more than `retentionMonths` ago, and the runs
 * that started before that, so nothing older than the window is kept anywhere.
 */
export async function dropExpiredPartitions(
  sql: Sql,
  retentionMonths: number,
  now = new Date(),
): Promise<string[]> {
  const cutoff = addMonths(monthStart(now), -retentionMonths);
  const expired = (await listPartitions(sql)).filter((p) => p.month < cutoff);
  await sql.begin(async (tx) => {
    for (const partition of expired) {
      await tx.unsafe(`drop table if exists "${partition.name}"`);
    }
    await tx`delete from runs where started_at < ${cutoff}::timestamptz`;
  });
  return expired.map((p) => p.name);
}

/**
 * A (test, commit) pair seen only failing stops mattering once its latest failure is older than
 * the longest window a read can ask for (`maxWindowDays`): a pass arriving later would count its
 * flake on the failure's day, outside every window. A pair with a pass and a failure is kept: its
 * flake moves if one of them is taken out.
 */
export async function pruneSettledCommits(
  sql: Sql,
  maxWindowDays: number,
  now = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - maxWindowDays * 24 * 60 * 60 * 1000)
    .toISOString()
    .slice(0, 10);
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
