import { jsonParam, type TxSql } from '../db/client.ts';

export interface PartRef {
  projectId: string;
  runId: string;
  partId: string;
  /** The part's start: every row of the part carries it as created_at (one partition). */
  createdAt: Date;
  branch: string | null;
  commit: string | null;
}

export interface CommitFlakeChange {
  testId: string;
  /** +1: this part made the commit flaky for the test; −1: its removal made it not flaky. */
  change: 1 | -1;
}

/**
 * Adds (sign 1) or subtracts (sign −1) one part's results to every flakiness counter: per test per
 * day per branch, per project per day per branch, per test per commit, and the window counters of
 * test_stats (when the part's day is inside the project's current window). Cost is proportional to
 * the part, never to history. A commit becomes a flake for a test the moment it has both a passing
 * and an unexpected result; that is counted on the day and branch of the result that did it, and
 * taken back from there if results are removed.
 */
export async function applyPartCounters(
  tx: TxSql,
  part: PartRef,
  sign: 1 | -1,
  windowStart: string,
): Promise<CommitFlakeChange[]> {
  const branch = part.branch ?? '';
  const day = part.createdAt.toISOString().slice(0, 10);
  const commitChanges = part.commit
    ? await tx<{ testId: string; change: 1 | -1; flakedDay: string; flakedBranch: string }[]>`
        with input as (
          select test_id,
            sum(case when outcome in ('expected', 'flaky') then 1 else 0 end)::int * ${sign}::int as passes,
            sum(case when outcome = 'unexpected' then 1 else 0 end)::int * ${sign}::int as fails
          from test_results
          where run_id = ${part.runId} and part_id = ${part.partId} and created_at = ${part.createdAt}
          group by test_id
          having sum(case when outcome <> 'skipped' then 1 else 0 end) > 0
        ),
        old as (
          select c.test_id, c.passes, c.fails, c.flaked_day, c.flaked_branch
          from test_commit_stats c join input using (test_id)
          where c.project_id = ${part.projectId} and c.commit = ${part.commit}
        ),
        upserted as (
          insert into test_commit_stats as c (
            project_id, test_id, commit, passes, fails, last_day, flaked_day, flaked_branch)
          select ${part.projectId}, test_id, ${part.commit}, passes, fails, ${day}::date,
            case when passes > 0 and fails > 0 then ${day}::date end,
            case when passes > 0 and fails > 0 then ${branch} end
          from input
          on conflict (project_id, test_id, commit) do update set
            passes = c.passes + excluded.passes,
            fails = c.fails + excluded.fails,
            last_day = greatest(c.last_day, excluded.last_day),
            flaked_day = case
              when c.passes + excluded.passes > 0 and c.fails + excluded.fails > 0
                then coalesce(c.flaked_day, ${day}::date) end,
            flaked_branch = case
              when c.passes + excluded.passes > 0 and c.fails + excluded.fails > 0
                then coalesce(c.flaked_branch, ${branch}) end
          returning test_id, passes, fails
        ),
        changes as (
          select u.test_id,
            case
              when (u.passes > 0 and u.fails > 0) and not coalesce(o.passes > 0 and o.fails > 0, false) then 1
              when not (u.passes > 0 and u.fails > 0) and coalesce(o.passes > 0 and o.fails > 0, false) then -1
              else 0 end as change,
            coalesce(o.flaked_day, ${day}::date) as flaked_day,
            coalesce(o.flaked_branch, ${branch}) as flaked_branch
          from upserted u left join old o using (test_id)
        )
        select test_id as "testId", change, flaked_day::text as "flakedDay", flaked_branch as "flakedBranch"
        from changes where change <> 0`
    : [];

  // Rows of this part, plus the commit-flake changes it caused, as signed counter deltas.
  const flakeChanges = jsonParam(tx, 
    commitChanges.map((c) => ({
      test_id: c.testId,
      change: c.change,
      day: c.change === 1 ? day : c.flakedDay,
      branch: c.change === 1 ? branch : c.flakedBranch,
    })),
  );
  await tx`
    with deltas as (
      select test_id, ${day}::date as day, ${branch}::text as branch,
        count(*) filter (where outcome <> 'skipped') as runs,
        count(*) filter (where outcome = 'expected') as expected_runs,
        count(*) filter (where outcome = 'flaky') as flaky_runs,
        count(*) filter (where outcome = 'unexpected') as failed_runs,
        count(*) filter (where outcome = 'skipped') as skipped_runs,
        0 as commit_flakes,
        coalesce(sum(duration_ms), 0) as duration_ms,
        coalesce(sum(failed_duration_ms) filter (where outcome = 'flaky'), 0) as wasted_ms
      from test_results
      where run_id = ${part.runId} and part_id = ${part.partId} and created_at = ${part.createdAt}
      group by test_id
      union all
      select c.test_id, c.day, c.branch, 0, 0, 0, 0, 0, c.change, 0, 0
      from jsonb_to_recordset(${flakeChanges}) as c(test_id bigint, change int, day date, branch text)
    ),
    signed as (
      select test_id, day, branch,
        sum(runs)::int * ${sign}::int as runs, sum(expected_runs)::int * ${sign}::int as expected_runs,
        sum(flaky_runs)::int * ${sign}::int as flaky_runs, sum(failed_runs)::int * ${sign}::int as failed_runs,
        sum(skipped_runs)::int * ${sign}::int as skipped_runs,
        sum(commit_flakes)::int as commit_flakes,
        sum(duration_ms)::bigint * ${sign}::int as duration_ms, sum(wasted_ms)::bigint * ${sign}::int as wasted_ms
      from deltas group by test_id, day, branch
    ),
    daily as (
      insert into test_daily_stats as s (project_id, test_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      select ${part.projectId}, test_id, day, branch, runs, expected_runs, flaky_runs, failed_runs,
        skipped_runs, commit_flakes, duration_ms, wasted_ms from signed
      on conflict (project_id, test_id, day, branch) do update set
        runs = s.runs + excluded.runs, expected_runs = s.expected_runs + excluded.expected_runs,
        flaky_runs = s.flaky_runs + excluded.flaky_runs, failed_runs = s.failed_runs + excluded.failed_runs,
        skipped_runs = s.skipped_runs + excluded.skipped_runs,
        commit_flakes = s.commit_flakes + excluded.commit_flakes,
        duration_ms = s.duration_ms + excluded.duration_ms, wasted_ms = s.wasted_ms + excluded.wasted_ms
    ),
    project_daily as (
      insert into project_daily_stats as s (project_id, day, branch, runs, expected_runs, flaky_runs,
        failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms)
      select ${part.projectId}, day, branch, sum(runs), sum(expected_runs), sum(flaky_runs), sum(failed_runs),
        sum(skipped_runs), sum(commit_flakes), sum(duration_ms), sum(wasted_ms)
      from signed group by day, branch
      on conflict (project_id, day, branch) do update set
        runs = s.runs + excluded.runs, expected_runs = s.expected_runs + excluded.expected_runs,
        flaky_runs = s.flaky_runs + excluded.flaky_runs, failed_runs = s.failed_runs + excluded.failed_runs,
        skipped_runs = s.skipped_runs + excluded.skipped_runs,
        commit_flakes = s.commit_flakes + excluded.commit_flakes,
        duration_ms = s.duration_ms + excluded.duration_ms, wasted_ms = s.wasted_ms + excluded.wasted_ms
    ),
    windowed as (
      select test_id,
        coalesce(sum(runs) filter (where in_window), 0) as runs,
        coalesce(sum(expected_runs) filter (where in_window), 0) as expected_runs,
        coalesce(sum(flaky_runs) filter (where in_window), 0) as flaky_runs,
        coalesce(sum(failed_runs) filter (where in_window), 0) as failed_runs,
        coalesce(sum(skipped_runs) filter (where in_window), 0) as skipped_runs,
        coalesce(sum(commit_flakes) filter (where in_window), 0) as commit_flakes,
        coalesce(sum(duration_ms) filter (where in_window), 0) as duration_ms,
        coalesce(sum(wasted_ms) filter (where in_window), 0) as wasted_ms
      from (select *, day >= ${windowStart}::date as in_window from signed) s
      group by test_id
    )
    insert into test_stats as s (test_id, project_id, last_seen_at, runs, expected_runs, flaky_runs,
      failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms, flake_rate)
    select w.test_id, ${part.projectId}, ${sign === 1 ? part.createdAt : null}, w.runs, w.expected_runs,
      w.flaky_runs, w.failed_runs, w.skipped_runs, w.commit_flakes, w.duration_ms, w.wasted_ms,
      case when w.runs > 0 then least(1.0, (w.flaky_runs + w.commit_flakes)::float8 / w.runs) else 0 end
    from windowed w
    on conflict (test_id) do update set
      last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at),
      runs = s.runs + excluded.runs, expected_runs = s.expected_runs + excluded.expected_runs,
      flaky_runs = s.flaky_runs + excluded.flaky_runs, failed_runs = s.failed_runs + excluded.failed_runs,
      skipped_runs = s.skipped_runs + excluded.skipped_runs,
      commit_flakes = s.commit_flakes + excluded.commit_flakes,
      duration_ms = s.duration_ms + excluded.duration_ms, wasted_ms = s.wasted_ms + excluded.wasted_ms,
      flake_rate = case when s.runs + excluded.runs > 0
        then least(1.0, (s.flaky_runs + excluded.flaky_runs + s.commit_flakes + excluded.commit_flakes)::float8
          / (s.runs + excluded.runs))
        else 0 end`;
  return commitChanges.map((c) => ({ testId: c.testId, change: c.change }));
}
