import type { Sql, TxSql } from '../client.ts';

/**
 * A test's flaky state as of now, read from test_stats (aliased `s`) without writing: an active
 * test whose last flaky event is older than the default window's first day is resolved
 * ("aged-out"), since the moment that event left the window (flakiness/model.ts ageFlakyState).
 * The window job and the next upload of the project store the same state; until they do, reads
 * derive it, so they are right at every moment.
 */
export interface DefaultWindow {
  /** First day (UTC, YYYY-MM-DD) of the default window. */
  startDay: string;
  /** FLAKE_WINDOW_DAYS. */
  days: number;
}

const agedOut = (sql: Sql | TxSql, window: DefaultWindow) =>
  sql`(s.status = 'active' and s.last_flaky_at < ${window.startDay}::date)`;

/** `status`, `resolution` and `resolved_at` columns of the state as of now. */
export function currentStateColumns(sql: Sql | TxSql, window: DefaultWindow) {
  const aged = agedOut(sql, window);
  return sql`
    case when ${aged} then 'resolved' else s.status end as status,
    case when ${aged} then 'aged-out' else s.resolution end as resolution,
    case when ${aged} then (s.last_flaky_at::date + ${window.days}::int)::timestamptz
      else s.resolved_at end as resolved_at`;
}

/** The condition "active as of now": its last flaky event is still inside the window. */
export function isActiveNow(sql: Sql | TxSql, window: DefaultWindow) {
  return sql`(s.status = 'active' and s.last_flaky_at >= ${window.startDay}::date)`;
}

/** The condition "resolved as of now", by clean runs or by ageing out. */
export function isResolvedNow(sql: Sql | TxSql, window: DefaultWindow) {
  return sql`(s.status = 'resolved' or ${agedOut(sql, window)})`;
}

/** How many of the project's tests were resolved (either way) at or after `since`, as of now: two
 *  index ranges, the resolved tests by resolved_at and the active ones. */
export function countResolvedSince(
  sql: Sql | TxSql,
  projectId: string,
  window: DefaultWindow,
  since: Date,
) {
  return sql`(
    (select count(*)::int from test_stats s
      where s.project_id = ${projectId} and s.status = 'resolved' and s.resolved_at >= ${since})
    + (select count(*)::int from test_stats s
      where s.project_id = ${projectId} and ${agedOut(sql, window)}
        and (s.last_flaky_at::date + ${window.days}::int)::timestamptz >= ${since}))`;
}

/** Stores the state reads derive: ages out the project's active tests whose last flaky event left
 *  the window. Returns how many. */
export async function storeAgedOutStates(
  tx: TxSql,
  projectId: string,
  window: DefaultWindow,
): Promise<number> {
  const aged = await tx`
    update test_stats s set status = 'resolved', resolution = 'aged-out',
      resolved_at = (s.last_flaky_at::date + ${window.days}::int)::timestamptz
    where s.project_id = ${projectId} and ${agedOut(tx, window)}`;
  return aged.count;
}
