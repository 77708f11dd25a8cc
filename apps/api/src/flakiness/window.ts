import type { Sql, TxSql } from '../db/client.ts';
import { storeAgedOutStates } from '../db/queries/flaky-status.ts';
import { combineCounters, counterColumns, flakeRateSql } from '../db/counter-sql.ts';
import { windowStartDay } from '../domain/window.ts';

/**
 * Locks the project's window row for the rest of the transaction (uploads of one project apply
 * their counters one at a time, in one lock order), gives its results version a new random value
 * (every change to the project's counted results comes through here), and moves test_stats'
 * window counters to the current window first: days that left it are subtracted, using the daily
 * aggregates of those days only, and active tests whose last flaky event left it are resolved. A
 * changed FLAKE_WINDOW_DAYS rebuilds the counters from the daily aggregates.
 * Returns the window's first day.
 */
export async function lockProjectWindow(
  tx: TxSql,
  projectId: string,
  windowDays: number,
  now: Date,
): Promise<string> {
  const start = windowStartDay(windowDays, now);
  // Sent together, without waiting for the insert.
  const created = tx`
    insert into project_windows (project_id, window_days, start_day)
    values (${projectId}, ${windowDays}, ${start})
    on conflict (project_id) do nothing`.execute();
  const [row] = await tx<{ windowDays: number; startDay: string }[]>`
    update project_windows set results_version = (random() * 9.2e18)::bigint
    where project_id = ${projectId}
    returning window_days as "windowDays", start_day::text as "startDay"`;
  await created;
  if (!row) throw new Error(`project ${projectId} has no window row`);
  if (row.windowDays === windowDays && row.startDay === start) return start;

  if (row.windowDays !== windowDays || row.startDay > start) {
    await rebuildWindowCounters(tx, projectId, start);
  } else {
    await tx`
      with expired as (
        select test_id, ${tx.unsafe(counterColumns.map((c) => `sum(${c}) as ${c}`).join(', '))}
        from test_daily_stats
        where project_id = ${projectId} and day >= ${row.startDay}::date and day < ${start}::date
        group by test_id
      )
      , updated as (
        update test_stats s set
          ${tx.unsafe(combineCounters('s', 'e', '-'))},
          flake_rate = ${tx.unsafe(
            flakeRateSql(
              's.runs - e.runs',
              's.flaky_runs - e.flaky_runs + s.commit_flakes - e.commit_flakes',
            ),
          )},
          listed_runs = case when s.status is not null then s.runs - e.runs end
        from expired e
        where s.test_id = e.test_id and s.project_id = ${projectId}
        -- Did the test leave the window? Before this update its counts were new + expired.
        returning (s.runs + s.skipped_runs + e.runs + e.skipped_runs > 0)::int
          - (s.runs + s.skipped_runs > 0)::int as left_window
      )
      update project_windows set tests_in_window = tests_in_window
        - (select coalesce(sum(left_window), 0) from updated)
      where project_id = ${projectId}`;
  }
  await Promise.all([
    storeAgedOutStates(tx, projectId, { startDay: start, days: windowDays }),
    tx`
      update project_windows set window_days = ${windowDays}, start_day = ${start}
      where project_id = ${projectId}`.execute(),
  ]);
  return start;
}

async function rebuildWindowCounters(
  tx: TxSql | Sql,
  projectId: string,
  start: string,
): Promise<void> {
  await tx`
    with sums as (
      select test_id, ${tx.unsafe(counterColumns.map((c) => `sum(${c}) as ${c}`).join(', '))}
      from test_daily_stats where project_id = ${projectId} and day >= ${start}::date
      group by test_id
    )
    update test_stats s set
      ${tx.unsafe(counterColumns.map((c) => `${c} = coalesce(w.${c}, 0)`).join(', '))},
      flake_rate = ${tx.unsafe(flakeRateSql('coalesce(w.runs, 0)', 'w.flaky_runs + w.commit_flakes'))},
      listed_runs = case when t.status is not null then coalesce(w.runs, 0) end
    from test_stats t left join sums w on w.test_id = t.test_id
    where s.project_id = t.project_id and s.test_id = t.test_id and t.project_id = ${projectId}`;
  await tx`
    update project_windows set tests_in_window = (
      select count(*) from test_stats where project_id = ${projectId} and runs + skipped_runs > 0)
    where project_id = ${projectId}`;
}

/**
 * Whether test_stats' window counters cover today's default window: reads use them then, and sum
 * the daily aggregates otherwise (until the next upload or the window job moves them), so a read
 * is right without writing.
 */
export async function isWindowCurrent(
  sql: Sql,
  projectId: string,
  windowDays: number,
  now: Date,
): Promise<boolean> {
  const [row] = await sql<{ current: boolean }[]>`
    select window_days = ${windowDays} and start_day = ${windowStartDay(windowDays, now)}::date as current
    from project_windows where project_id = ${projectId}`;
  return row?.current ?? false;
}

/**
 * The window job: moves every project whose window counters are behind today's window (or were
 * kept for another FLAKE_WINDOW_DAYS), one project per short transaction. Returns how many moved.
 */
export async function advanceStaleWindows(
  sql: Sql,
  windowDays: number,
  now: Date,
): Promise<number> {
  const stale = await sql<{ projectId: string }[]>`
    select project_id as "projectId" from project_windows
    where window_days <> ${windowDays} or start_day <> ${windowStartDay(windowDays, now)}::date`;
  for (const { projectId } of stale) {
    await sql.begin((tx) => lockProjectWindow(tx, projectId, windowDays, now));
  }
  return stale.length;
}
