import type { Sql } from '../src/db/client.ts';
import { ensurePartitions, monthStart } from '../src/db/partitions.ts';
import { windowStartDay } from '../src/flakiness/model.ts';

/**
 * Fills a project with `tests × runs` results spread over `days` days, straight in SQL (uploading
 * ten million results one report at a time would take hours), together with the aggregates an
 * ingest of the same runs maintains: daily per test and per project, the window's failed commit pairs,
 * test_stats window counters and flaky states. Outcomes follow syntheticOutcome() of
 * synthetic-report.ts, and test identities match the synthetic reports', so later uploads of
 * synthetic reports land on these tests.
 */
export async function fillHistory(
  sql: Sql,
  options: {
    projectId: string;
    tests: number;
    runs: number;
    days: number;
    windowDays: number;
    /** Every n-th test is flaky-prone (as in syntheticReport); 1 makes every test one. */
    flakyEvery?: number;
    log?: (m: string) => void;
  },
): Promise<void> {
  const { projectId, tests, runs, days } = options;
  const flakyEvery = options.flakyEvery ?? 50;
  const log = options.log ?? (() => {});
  const now = Date.now();
  const runStart = (k: number) =>
    new Date(now - days * 86_400_000 + ((k + 0.5) * days * 86_400_000) / runs);

  await sql`
    insert into tests (project_id, identity_hash, project_name, file, title, title_path, first_seen_at, last_seen_at)
    select ${projectId}, encode(sha256(convert_to('["chromium","' || f || '",["' || t || '"]]', 'UTF8')), 'hex'),
      'chromium', f, t, array[t], ${runStart(0)}, ${runStart(runs - 1)}
    from (
      select i, 'area-' || (i / 100) || '/feature-' || (i / 100) || '.spec.ts' as f, 'behaves as specified #' || i as t
      from generate_series(0, ${tests - 1}) i
    ) s`;
  const months = new Set<string>();
  for (let k = 0; k < runs; k++) months.add(monthStart(runStart(k)));
  await ensurePartitions(sql, months);

  for (let k = 0; k < runs; k++) {
    const startedAt = runStart(k);
    const branch = k % 5 === 4 ? 'feature-x' : 'main';
    const [run] = await sql<{ id: string }[]>`
      insert into runs (project_id, source, status, branch, commit, pipeline, started_at, duration_ms, total)
      values (${projectId}, 'upload', 'failed', ${branch}, ${`fill-c${k}`}, ${`fill-p${k}`}, ${startedAt}, 60000, ${tests})
      returning id`;
    const [part] = await sql<{ id: string }[]>`
      insert into run_parts (project_id, run_id, content_hash, status, started_at, total)
      values (${projectId}, ${run!.id}, ${`fill-${projectId}-${k}`}, 'failed', ${startedAt}, ${tests}) returning id`;
    await sql`
      insert into test_results (project_id, run_id, part_id, test_id, created_at, outcome, expected_status,
        attempts, final_status, duration_ms, failed_duration_ms, error_message, error_signature)
      select ${projectId}, ${run!.id}, ${part!.id}, t.id, ${startedAt}, o.outcome::outcome,
        case when o.outcome = 'skipped' then 'skipped' else 'passed' end,
        case when o.outcome in ('flaky', 'unexpected') then 2 else 1 end,
        case when o.outcome = 'unexpected' then 'failed' when o.outcome = 'skipped' then 'skipped' else 'passed' end,
        40 + n % 200, case when o.outcome in ('flaky', 'unexpected') then 40 + n % 200 else 0 end,
        case when o.outcome in ('flaky', 'unexpected') then 'Error: expect(received).toBe(expected)' end,
        case when o.outcome in ('flaky', 'unexpected') then 'expect(received).toBe(expected)' end
      from tests t
      cross join lateral (select substring(t.title from '#(\\d+)$')::int as n) num
      cross join lateral (select case
        when n % 500 = 7 then 'unexpected'
        when n % ${flakyEvery} = ${3 % flakyEvery} and (n + ${k}) % 4 = 0 then 'flaky'
        when n % 97 = 11 then 'skipped'
        else 'expected' end as outcome) o
      where t.project_id = ${projectId}`;
    if (k % 20 === 19) log(`  ${k + 1}/${runs} runs filled`);
  }

  log('  building aggregates');
  await sql`
    insert into test_daily_stats (project_id, test_id, day, branch, runs, expected_runs, flaky_runs, failed_runs,
      skipped_runs, commit_flakes, duration_ms, wasted_ms)
    select ${projectId}, tr.test_id, (tr.created_at at time zone 'UTC')::date, r.branch,
      count(*) filter (where outcome <> 'skipped'), count(*) filter (where outcome = 'expected'),
      count(*) filter (where outcome = 'flaky'), count(*) filter (where outcome = 'unexpected'),
      count(*) filter (where outcome = 'skipped'), 0, sum(tr.duration_ms),
      coalesce(sum(tr.failed_duration_ms) filter (where outcome = 'flaky'), 0)
    from test_results tr join runs r on r.id = tr.run_id
    where tr.project_id = ${projectId}
    group by tr.test_id, 3, r.branch`;
  await sql`
    insert into project_daily_stats (project_id, day, branch, runs, expected_runs, flaky_runs, failed_runs,
      skipped_runs, commit_flakes, duration_ms, wasted_ms)
    select ${projectId}, day, branch, sum(runs), sum(expected_runs), sum(flaky_runs), sum(failed_runs),
      sum(skipped_runs), 0, sum(duration_ms), sum(wasted_ms)
    from test_daily_stats where project_id = ${projectId} group by day, branch`;
  const windowStart = windowStartDay(options.windowDays, new Date());
  // Only (test, commit) pairs that failed have a row (flakiness/commit-flakes.ts), for the window
  // only (older ones that never flaked are pruned daily).
  await sql`
    insert into test_commit_stats (project_id, test_id, commit, passes, fails, last_day)
    select ${projectId}, tr.test_id, r.commit,
      count(*) filter (where outcome in ('expected', 'flaky')), count(*) filter (where outcome = 'unexpected'),
      max((tr.created_at at time zone 'UTC')::date)
    from test_results tr join runs r on r.id = tr.run_id
    where tr.project_id = ${projectId} and tr.created_at >= ${windowStart}::timestamptz and outcome <> 'skipped'
    group by tr.test_id, r.commit
    having count(*) filter (where outcome = 'unexpected') > 0`;
  await sql`
    insert into test_stats (test_id, project_id, status, first_detected_at, last_flaky_at, last_seen_at,
      runs, expected_runs, flaky_runs, failed_runs, skipped_runs, commit_flakes, duration_ms, wasted_ms, flake_rate,
      listed_runs, listed_last_seen_at)
    select t.id, ${projectId},
      case when w.flaky_runs > 0 and w.flaky_runs::float8 / nullif(w.runs, 0) >= 0.05 then 'active' end,
      case when w.flaky_runs > 0 then ${runStart(0)}::timestamptz end,
      case when w.flaky_runs > 0 then ${runStart(runs - 1)}::timestamptz end,
      ${runStart(runs - 1)},
      coalesce(w.runs, 0), coalesce(w.expected_runs, 0), coalesce(w.flaky_runs, 0), coalesce(w.failed_runs, 0),
      coalesce(w.skipped_runs, 0), 0, coalesce(w.duration_ms, 0), coalesce(w.wasted_ms, 0),
      case when coalesce(w.runs, 0) > 0 then least(1.0, w.flaky_runs::float8 / w.runs) else 0 end,
      case when w.flaky_runs > 0 and w.flaky_runs::float8 / nullif(w.runs, 0) >= 0.05 then w.runs end,
      case when w.flaky_runs > 0 and w.flaky_runs::float8 / nullif(w.runs, 0) >= 0.05
        then ${runStart(runs - 1)}::timestamptz end
    from tests t
    left join (
      select test_id, sum(runs)::int as runs, sum(expected_runs)::int as expected_runs, sum(flaky_runs)::int as flaky_runs,
        sum(failed_runs)::int as failed_runs, sum(skipped_runs)::int as skipped_runs,
        sum(duration_ms) as duration_ms, sum(wasted_ms) as wasted_ms
      from test_daily_stats where project_id = ${projectId} and day >= ${windowStart}::date group by test_id
    ) w on w.test_id = t.id
    where t.project_id = ${projectId}`;
  await sql`
    insert into project_windows (project_id, window_days, start_day, tests_in_window)
    select ${projectId}, ${options.windowDays}, ${windowStart}::date,
      count(*) filter (where runs + skipped_runs > 0)
    from test_stats where project_id = ${projectId}
    on conflict (project_id) do update set tests_in_window = excluded.tests_in_window`;
  await sql`analyze`;
}
