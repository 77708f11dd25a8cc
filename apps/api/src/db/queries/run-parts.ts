import type { Sql, TxSql } from '../client.ts';
import type { Outcome, ReportHeader } from '../../domain/report.ts';

export interface ExistingPart {
  id: string;
  projectId: string;
  runId: string;
  startedAt: Date;
}

/** The part already stored from these exact report bytes, or under this Idempotency-Key. */
export async function findDuplicatePart(
  sql: Sql | TxSql,
  projectId: string,
  contentHash: string,
  idempotencyKey: string | undefined,
): Promise<ExistingPart | undefined> {
  const [row] = await sql<ExistingPart[]>`
    select id, project_id as "projectId", run_id as "runId", started_at as "startedAt" from run_parts
    where project_id = ${projectId}
      and (content_hash = ${contentHash}
        ${idempotencyKey ? sql`or idempotency_key = ${idempotencyKey}` : sql``})
    limit 1`;
  return row;
}

export async function findPartByShard(
  tx: TxSql,
  projectId: string,
  runId: string,
  shard: string,
): Promise<ExistingPart | undefined> {
  const [row] = await tx<ExistingPart[]>`
    select id, project_id as "projectId", run_id as "runId", started_at as "startedAt" from run_parts
    where project_id = ${projectId} and run_id = ${runId} and shard = ${shard}`;
  return row;
}

export async function deletePart(tx: TxSql, part: ExistingPart): Promise<void> {
  // created_at equals the part's start, which lets PostgreSQL prune to one partition.
  await tx`
    delete from test_results
    where project_id = ${part.projectId} and run_id = ${part.runId} and part_id = ${part.id}
      and created_at = ${part.startedAt}`;
  await tx`delete from run_parts where project_id = ${part.projectId} and id = ${part.id}`;
}

export async function insertPart(
  tx: TxSql,
  values: {
    projectId: string;
    runId: string;
    shard: string;
    contentHash: string;
    idempotencyKey: string | undefined;
    startedAt: Date;
    report: ReportHeader;
  },
): Promise<string> {
  const { report } = values;
  const [row] = await tx<{ id: string }[]>`
    insert into run_parts (
      project_id, run_id, shard, content_hash, idempotency_key, status, partial, playwright_version,
      started_at, duration_ms, total, expected, unexpected, flaky, skipped, errors)
    values (
      ${values.projectId}, ${values.runId}, ${values.shard}, ${values.contentHash},
      ${values.idempotencyKey ?? null}, ${report.status}, ${report.partial}, ${report.playwrightVersion},
      ${values.startedAt}, ${report.durationMs}, ${report.totals.total}, ${report.totals.expected},
      ${report.totals.unexpected}, ${report.totals.flaky}, ${report.totals.skipped},
      ${tx.json(report.errors)})
    returning id`;
  return (row as { id: string }).id;
}

export async function updatePartStatus(
  tx: TxSql,
  projectId: string,
  partId: string,
  status: ReportHeader['status'],
): Promise<void> {
  await tx`update run_parts set status = ${status} where project_id = ${projectId} and id = ${partId}`;
}

/** A run's parts, in the order they were first stored. */
export async function listParts(
  tx: TxSql,
  projectId: string,
  runId: string,
): Promise<{ id: string; startedAt: Date }[]> {
  return tx<{ id: string; startedAt: Date }[]>`
    select id, started_at as "startedAt" from run_parts
    where project_id = ${projectId} and run_id = ${runId} order by id`;
}

/** A stored part's results as the counters need them (to take them back out). */
export async function listPartResults(
  tx: TxSql,
  projectId: string,
  runId: string,
  part: { id: string; startedAt: Date },
): Promise<{ testId: string; outcome: Outcome; durationMs: number; failedDurationMs: number }[]> {
  return tx`
    select test_id as "testId", outcome, duration_ms as "durationMs", failed_duration_ms as "failedDurationMs"
    from test_results
    where project_id = ${projectId} and run_id = ${runId} and part_id = ${part.id}
      and created_at = ${part.startedAt}`;
}
