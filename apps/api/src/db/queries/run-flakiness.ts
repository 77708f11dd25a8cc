import type { Sql, TxSql } from '../client.ts';
import { isActiveNow, type DefaultWindow } from './flaky-status.ts';

export interface RunFlakiness {
  /** Tests whose result in this run was flaky. */
  inRun: string[];
  /** Active flaky tests of the project now. */
  activeCount: number;
  /** Every unexpected result of the run belongs to a quarantined (active flaky) test, and the
   *  run has no run-level error: CI may treat the run as green. */
  allFailuresQuarantined: boolean;
}

/** The run's flaky results, and flaky states as of now (flaky-status.ts). */
export async function readRunFlakiness(
  sql: Sql | TxSql,
  projectId: string,
  runId: string,
  window: DefaultWindow,
): Promise<RunFlakiness> {
  const [row] = await sql<
    {
      inRun: string[];
      failures: number;
      quarantined: number;
      runErrors: number;
      activeCount: number;
    }[]
  >`
    select
      coalesce(array_agg(distinct tr.test_id::text) filter (where tr.outcome = 'flaky'), '{}') as "inRun",
      count(*) filter (where tr.outcome = 'unexpected')::int as failures,
      count(*) filter (where tr.outcome = 'unexpected' and ${isActiveNow(sql, window)})::int as quarantined,
      (select count(*)::int from run_parts p where p.project_id = ${projectId} and p.run_id = ${runId} and jsonb_array_length(p.errors) > 0) as "runErrors",
      (select count(*)::int from test_stats s where s.project_id = ${projectId}
        and ${isActiveNow(sql, window)}) as "activeCount"
    from test_results tr
    left join test_stats s on s.test_id = tr.test_id and s.project_id = ${projectId}
    -- Only flaky and failed results matter here: most of a run is filtered out before the join.
    where tr.run_id = ${runId} and tr.project_id = ${projectId} and tr.outcome in ('flaky', 'unexpected')`;
  if (!row) return { inRun: [], activeCount: 0, allFailuresQuarantined: false };
  return {
    inRun: row.inRun.sort((a, b) => Number(a) - Number(b)),
    activeCount: row.activeCount,
    allFailuresQuarantined: row.runErrors === 0 && row.failures === row.quarantined,
  };
}
