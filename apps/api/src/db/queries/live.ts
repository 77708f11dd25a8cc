import { enqueueDelivery } from './deliveries.ts';
import type { Sql, TxSql } from '../client.ts';
import type { RunMetadata } from '../../domain/run-metadata.ts';

/** The run metadata a session's setup sent (job as given), kept for teardown; the shard is the
 *  session's own column. */
export type SessionMetadata = Partial<RunMetadata>;

/** What a live session knows of itself (live_sessions). */
export interface LiveSessionRow {
  id: string;
  projectId: string;
  runId: string;
  shard: string;
  status: 'running' | 'finished' | 'cancelled';
  totalTests: number;
  meta: SessionMetadata;
  startedAt: Date;
  playwrightVersion: string | null;
}

export interface NewLiveSession {
  id: string;
  projectId: string;
  runId: string;
  shard: string;
  reporterVersion: string;
  playwrightVersion: string | null;
  totalTests: number;
  meta: SessionMetadata;
  startedAt: Date;
  now: Date;
}

export async function insertLiveSession(tx: TxSql, session: NewLiveSession): Promise<void> {
  await tx`
    insert into live_sessions ${tx({
      id: session.id,
      project_id: session.projectId,
      run_id: session.runId,
      shard: session.shard,
      status: 'running',
      reporter_version: session.reporterVersion,
      playwright_version: session.playwrightVersion,
      total_tests: session.totalTests,
      meta: tx.json(session.meta as Parameters<typeof tx.json>[0]),
      started_at: session.startedAt,
      last_event_at: session.now,
    })}`;
}

/** The session, when it belongs to the project (another project's session is not found). */
export async function findLiveSession(
  sql: Sql | TxSql,
  projectId: string,
  sessionId: string,
): Promise<LiveSessionRow | undefined> {
  const [row] = await sql<LiveSessionRow[]>`
    select id, project_id as "projectId", run_id as "runId", shard, status,
      total_tests as "totalTests", meta, started_at as "startedAt",
      playwright_version as "playwrightVersion"
    from live_sessions where id = ${sessionId} and project_id = ${projectId}`;
  return row;
}

/**
 * Takes the next `count` numbers of the run's stream and returns the first. The run's row stays
 * locked until the transaction ends, so numbers are handed out in commit order.
 */
export async function takeEventNumbers(
  tx: TxSql,
  projectId: string,
  runId: string,
  count: number,
): Promise<bigint> {
  const [row] = await tx<{ last: string }[]>`
    update runs set event_seq = event_seq + ${count}
    where project_id = ${projectId} and id = ${runId}
    returning event_seq as last`;
  if (!row) throw new Error(`run ${runId} is gone`);
  return BigInt(row.last) - BigInt(count) + 1n;
}

export interface StoredEvent {
  kind: string;
  payload: unknown;
}

/** Appends events to the run's stream (numbers from takeEventNumbers). */
export async function insertEvents(
  tx: TxSql,
  session: Pick<LiveSessionRow, 'id' | 'projectId' | 'runId'>,
  firstSeq: bigint,
  events: readonly StoredEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event, index) => ({
    project_id: session.projectId,
    run_id: session.runId,
    seq: String(firstSeq + BigInt(index)),
    session_id: session.id,
    kind: event.kind,
    payload: tx.json(event.payload as Parameters<typeof tx.json>[0]),
  }));
  await tx`insert into live_events ${tx(rows)}`;
}

export interface ProgressDelta {
  finished: number;
  expected: number;
  unexpected: number;
  flaky: number;
  skipped: number;
}

/**
 * Applies batch `seq` of the session in one statement (one round trip, atomic): records the batch,
 * takes the next numbers of the run's stream for its events, stores them, adds its finished tests
 * to the session's progress and notes its last sign of life. Returns the last event number, or
 * null when the batch was applied before (a retried or duplicated batch): then nothing changed.
 * The run's row is locked until the statement commits, so numbers are handed out in commit order.
 * A session the orphan job cancelled, and its run, are running again when its reporter turns out
 * to be alive.
 */
export async function applyEventBatch(
  sql: Sql,
  session: LiveSessionRow,
  seq: number,
  events: readonly { type: string }[],
  delta: ProgressDelta,
  now: Date,
): Promise<bigint | null> {
  const count = events.length;
  const revive = session.status === 'cancelled';
  const [row] = await sql<{ last: string }[]>`
    with claimed as (
      insert into live_batches (session_id, seq, project_id)
      values (${session.id}, ${seq}, ${session.projectId})
      on conflict do nothing
      returning 1
    ), numbered as (
      update runs set event_seq = event_seq + ${count},
        status = case when status = 'cancelled' and ${revive} then 'running' else status end
      where project_id = ${session.projectId} and id = ${session.runId}
        and exists (select 1 from claimed)
      returning event_seq
    ), stored as (
      insert into live_events (project_id, run_id, seq, session_id, kind, payload)
      select ${session.projectId}, ${session.runId}, n.event_seq - ${count} + e.ord,
        ${session.id}, e.value->>'type', e.value
      from numbered n,
        jsonb_array_elements(${sql.json(events as Parameters<typeof sql.json>[0])}::jsonb)
          with ordinality as e(value, ord)
    ), advanced as (
      update live_sessions set
        finished = finished + ${delta.finished}, expected = expected + ${delta.expected},
        unexpected = unexpected + ${delta.unexpected}, flaky = flaky + ${delta.flaky},
        skipped = skipped + ${delta.skipped},
        last_event_at = greatest(last_event_at, ${now}),
        status = case when status = 'cancelled' then 'running' else status end
      where project_id = ${session.projectId} and id = ${session.id}
        and exists (select 1 from numbered)
    )
    select event_seq::text as last from numbered`;
  return row ? BigInt(row.last) : null;
}

/** Batch numbers up to `lastSeq` that never arrived (at most `limit`). */
export async function missingBatches(
  sql: Sql,
  session: Pick<LiveSessionRow, 'id' | 'projectId'>,
  lastSeq: number,
  limit = 1000,
): Promise<number[]> {
  const rows = await sql<{ seq: number }[]>`
    select s.seq from generate_series(0, ${lastSeq}::int) as s(seq)
    where not exists (
      select 1 from live_batches b
      where b.project_id = ${session.projectId} and b.session_id = ${session.id} and b.seq = s.seq)
    order by s.seq limit ${limit}`;
  return rows.map((row) => row.seq);
}

/** The session's events of one kind, in stream order. */
export async function listSessionEvents<T>(
  sql: Sql | TxSql,
  session: Pick<LiveSessionRow, 'id' | 'projectId' | 'runId'>,
  kind: string,
): Promise<T[]> {
  const rows = await sql<{ payload: T }[]>`
    select payload from live_events
    where session_id = ${session.id} and kind = ${kind}
      and project_id = ${session.projectId} and run_id = ${session.runId}
    order by seq`;
  return rows.map((row) => row.payload);
}

/** Ends the session inside the teardown's ingestion, keeping the teardown it was ended with. */
export async function finishSession(
  tx: TxSql,
  session: LiveSessionRow,
  teardown: unknown,
): Promise<void> {
  await tx`
    update live_sessions set status = 'finished',
      teardown = ${tx.json(teardown as Parameters<typeof tx.json>[0])}
    where project_id = ${session.projectId} and id = ${session.id}`;
}

export interface StreamEventRow {
  seq: string;
  kind: string;
  payload: unknown;
}

/** The run's events after `afterSeq`, in stream order. */
export async function readRunEvents(
  sql: Sql,
  projectId: string,
  runId: string,
  afterSeq: bigint,
  limit: number,
): Promise<StreamEventRow[]> {
  return sql<StreamEventRow[]>`
    select seq::text, kind, payload from live_events
    where project_id = ${projectId} and run_id = ${runId} and seq > ${String(afterSeq)}
    order by live_events.seq limit ${limit}`;
}

/**
 * Gives the run the next number of its project's stream, after the change committed. One
 * statement, so the project's counter is held only while PostgreSQL runs it and commits, never
 * across a round trip to this process: every change of the project waits on that row, and under
 * load a round trip is as slow as this process's busiest moment. The run's row is locked first
 * (an upload may hold it), then the counter, which is held until the commit, so numbers are
 * handed out in commit order.
 */
export async function markRunChanged(
  sql: Sql,
  projectId: string,
  runId: string,
): Promise<bigint | null> {
  const [row] = await sql<{ seq: string }[]>`
    with locked as (
      select id from runs where project_id = ${projectId} and id = ${runId} for no key update
    ), next as (
      insert into project_streams (project_id, seq)
      select ${projectId}, 1 from locked
      on conflict (project_id) do update set seq = project_streams.seq + 1
      returning seq
    )
    update runs set change_seq = next.seq from next
    where runs.project_id = ${projectId} and runs.id = ${runId}
    returning runs.change_seq::text as seq`;
  return row ? BigInt(row.seq) : null;
}

/** The project's stream position: the number of its last run change. */
export async function projectStreamPosition(sql: Sql, projectId: string): Promise<bigint> {
  const [row] = await sql<{ seq: string }[]>`
    select seq::text from project_streams where project_id = ${projectId}`;
  return row ? BigInt(row.seq) : 0n;
}

/** Runs of the project changed after `afterSeq`, in change order. */
export async function changedRunIds(
  sql: Sql,
  projectId: string,
  afterSeq: bigint,
  limit: number,
): Promise<{ id: string; changeSeq: string }[]> {
  return sql<{ id: string; changeSeq: string }[]>`
    select id::text, change_seq::text as "changeSeq" from runs
    where project_id = ${projectId} and change_seq > ${String(afterSeq)}
    order by change_seq limit ${limit}`;
}

/** A run's stream position (its last event number) and project. */
export async function runStreamPosition(
  sql: Sql,
  runId: string,
): Promise<{ projectId: string; eventSeq: bigint } | undefined> {
  const [row] = await sql<{ projectId: string; eventSeq: string }[]>`
    select project_id::text as "projectId", event_seq::text as "eventSeq" from runs where id = ${runId}`;
  return row ? { projectId: row.projectId, eventSeq: BigInt(row.eventSeq) } : undefined;
}

export interface OrphanedSession {
  id: string;
  projectId: string;
  runId: string;
}

/**
 * Cancels the running sessions with no event since `cutoff`, and their runs when no session of
 * theirs is running any more. The results stored so far stay (their events); a teardown that comes
 * later still completes the run.
 */
export async function cancelOrphanedSessions(
  sql: Sql,
  cutoff: Date,
  now: Date,
  limit = 500,
): Promise<OrphanedSession[]> {
  return sql.begin(async (tx) => {
    const sessions = await tx<OrphanedSession[]>`
      update live_sessions set status = 'cancelled'
      where (project_id, id) in (
        select project_id, id from live_sessions
        where status = 'running' and last_event_at < ${cutoff}
        order by last_event_at limit ${limit}
        for update skip locked)
      returning id, project_id::text as "projectId", run_id::text as "runId"`;
    for (const session of sessions) {
      const cancelled = await tx`
        update runs set status = 'cancelled', updated_at = now()
        where project_id = ${session.projectId} and id = ${session.runId} and status = 'running'
          and not exists (
            select 1 from live_sessions s
            where s.project_id = ${session.projectId} and s.run_id = ${session.runId}
              and s.status = 'running')
        returning id`;
      // Its pull request's pending status must not stay pending: it says the run was cancelled.
      if (cancelled.length > 0) await enqueueDelivery(tx, session.projectId, session.runId, now, 0);
    }
    return sessions;
  });
}

/** Live sessions still running (their reporters are sending events), across every project. */
export async function countRunningLiveSessions(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from live_sessions where status = 'running'`;
  return row?.count ?? 0;
}
