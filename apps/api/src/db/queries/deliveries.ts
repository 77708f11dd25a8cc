import type { Sql, TxSql } from '../client.ts';

/**
 * The outbox of pull/merge request deliveries (DESIGN.md §7): queued in the transaction that
 * completes a run, claimed under a lease by one worker of one process, and finished with what
 * happened. Every statement names the project (the distribution column).
 */

export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped';

export interface DeliveryRow {
  id: string;
  projectId: string;
  runId: string;
  provider: 'github' | 'gitlab' | 'azure';
  repository: string;
  pr: string;
  commit: string | null;
  state: DeliveryState;
  requestedSeq: number;
  claimedSeq: number;
  sentSeq: number;
  attempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  lastHttpStatus: number | null;
  commentUrl: string | null;
  statusState: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

const deliveryColumns = (sql: Sql | TxSql) => sql`
  d.id::text as id, d.project_id::text as "projectId", d.run_id::text as "runId", d.provider,
  d.repository, d.pr, d.commit, d.state, d.requested_seq as "requestedSeq",
  d.claimed_seq as "claimedSeq", d.sent_seq as "sentSeq", d.attempts,
  d.next_attempt_at as "nextAttemptAt", d.lease_owner as "leaseOwner",
  d.lease_until as "leaseUntil", d.last_error as "lastError",
  d.last_http_status as "lastHttpStatus", d.comment_url as "commentUrl",
  d.status_state as "statusState", d.created_at as "createdAt", d.updated_at as "updatedAt",
  d.delivered_at as "deliveredAt"`;

/**
 * Queues the run's summary for its pull/merge request, when the run names one and the project has
 * an integration for the run's `ciProvider` with comments or statuses on. A run already queued is
 * asked for once more (a shard, a re-upload, a teardown): one row carries the run's latest state,
 * and a send in progress is followed by another. `delayMs` lets a burst of shards settle first.
 * Returns whether a delivery was queued.
 */
export async function enqueueDelivery(
  tx: TxSql,
  projectId: string,
  runId: string,
  at: Date,
  delayMs: number,
): Promise<boolean> {
  const due = new Date(at.getTime() + delayMs);
  const rows = await tx`
    insert into scm_deliveries as d
      (project_id, run_id, provider, repository, pr, commit, state, next_attempt_at, updated_at)
    select r.project_id, r.id, i.provider, i.repository, r.pr, r.commit, 'pending', ${due}, ${at}
    from runs r
    join project_integrations i on i.project_id = r.project_id and i.provider = r.ci_provider
    where r.project_id = ${projectId} and r.id = ${runId} and r.pr is not null
      and (i.comments or i.statuses)
    on conflict (project_id, run_id, provider) do update set
      requested_seq = d.requested_seq + 1,
      repository = excluded.repository, pr = excluded.pr, commit = excluded.commit,
      -- A send in progress keeps its lease; it sees the new request when it finishes.
      state = case when d.state = 'sending' then 'sending' else 'pending' end,
      attempts = case when d.state = 'sending' then d.attempts else 0 end,
      next_attempt_at = case when d.state = 'sending' then d.next_attempt_at else excluded.next_attempt_at end,
      updated_at = excluded.updated_at
    returning d.id`;
  return rows.length > 0;
}

export interface ClaimedDelivery extends DeliveryRow {
  /** The sticky comment remembered for the delivery's pull/merge request. */
  knownCommentId: string | null;
  /** The run the pull/merge request's comment shows now. */
  commentRunId: string | null;
  commentRunStartedAt: Date | null;
}

/**
 * Claims the next due delivery whose pull/merge request no other worker is writing to: the
 * delivery is locked (skip locked: other workers pass it by), then the PR's lease is taken in the
 * same transaction, so two processes never send one delivery, nor write one PR, at once. A lease
 * that ran out (its process died) makes a `sending` delivery claimable again.
 */
export async function claimDelivery(
  sql: Sql,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimedDelivery | null> {
  const until = new Date(now.getTime() + leaseMs);
  return sql.begin(async (tx) => {
    const candidates = await tx<DeliveryRow[]>`
      select ${deliveryColumns(tx)} from scm_deliveries d
      where d.state in ('pending', 'sending') and d.next_attempt_at <= ${now}
        and (d.state = 'pending' or d.lease_until <= ${now})
      order by d.next_attempt_at, d.id
      limit 20
      for update skip locked`;
    for (const candidate of candidates) {
      const [lease] = await tx<
        {
          commentId: string | null;
          commentRunId: string | null;
          commentRunStartedAt: Date | null;
        }[]
      >`
        insert into scm_pull_requests as p
          (project_id, provider, repository, pr, lease_owner, lease_until, updated_at)
        values (${candidate.projectId}, ${candidate.provider}, ${candidate.repository},
          ${candidate.pr}, ${owner}, ${until}, ${now})
        on conflict (project_id, provider, repository, pr) do update set
          lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
          where p.lease_until is null or p.lease_until <= ${now}
        returning p.comment_id as "commentId", p.comment_run_id::text as "commentRunId",
          p.comment_run_started_at as "commentRunStartedAt"`;
      if (!lease) continue;
      const [claimed] = await tx<DeliveryRow[]>`
        update scm_deliveries d set state = 'sending', lease_owner = ${owner},
          lease_until = ${until}, claimed_seq = d.requested_seq, attempts = d.attempts + 1,
          updated_at = ${now}
        where d.project_id = ${candidate.projectId} and d.id = ${candidate.id}
        returning ${deliveryColumns(tx)}`;
      if (!claimed) continue;
      return {
        ...claimed,
        knownCommentId: lease.commentId,
        commentRunId: lease.commentRunId,
        commentRunStartedAt: lease.commentRunStartedAt,
      };
    }
    return null;
  });
}

/** How a claimed delivery ended this time. */
export type DeliveryResult =
  | { kind: 'delivered'; commentUrl: string | null; statusState: string | null; note?: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: string; httpStatus: number | null }
  | { kind: 'retry'; error: string; httpStatus: number | null; at: Date };

/**
 * Records what happened and releases the PR's lease. Only the lease holder may: a worker whose
 * lease ran out (and whose delivery another worker took over) changes nothing. A run asked for
 * again while it was being sent goes back to `pending` at once, whatever this send's end.
 */
export async function finishDelivery(
  sql: Sql,
  delivery: ClaimedDelivery,
  owner: string,
  result: DeliveryResult,
  now: Date,
  comment?: { id: string; url: string | null; runId: string; runStartedAt: Date },
): Promise<boolean> {
  const state: DeliveryState =
    result.kind === 'delivered' ? 'delivered' : result.kind === 'retry' ? 'pending' : result.kind;
  const error =
    result.kind === 'skipped'
      ? result.reason
      : result.kind === 'failed' || result.kind === 'retry'
        ? result.error
        : (result.note ?? null);
  const httpStatus = result.kind === 'failed' || result.kind === 'retry' ? result.httpStatus : null;
  const nextAt = result.kind === 'retry' ? result.at : now;
  return sql.begin(async (tx) => {
    const [updated] = await tx`
      update scm_deliveries d set
        state = case when d.requested_seq > d.claimed_seq then 'pending' else ${state} end,
        attempts = case when d.requested_seq > d.claimed_seq then 0 else d.attempts end,
        next_attempt_at = case when d.requested_seq > d.claimed_seq then ${now} else ${nextAt} end,
        sent_seq = case when ${result.kind} = 'retry' then d.sent_seq else d.claimed_seq end,
        last_error = ${error}, last_http_status = ${httpStatus},
        comment_url = coalesce(${result.kind === 'delivered' ? result.commentUrl : null}, d.comment_url),
        status_state = coalesce(${result.kind === 'delivered' ? result.statusState : null}, d.status_state),
        delivered_at = case when ${result.kind} = 'delivered' then ${now} else d.delivered_at end,
        lease_owner = null, lease_until = null, updated_at = ${now}
      where d.project_id = ${delivery.projectId} and d.id = ${delivery.id}
        and d.lease_owner = ${owner}
      returning d.id`;
    await tx`
      update scm_pull_requests p set lease_owner = null, lease_until = null, updated_at = ${now},
        comment_id = coalesce(${comment?.id ?? null}, p.comment_id),
        comment_url = coalesce(${comment?.url ?? null}, p.comment_url),
        comment_run_id = coalesce(${comment?.runId ?? null}::bigint, p.comment_run_id),
        comment_run_started_at = coalesce(${comment?.runStartedAt ?? null}::timestamptz, p.comment_run_started_at)
      where p.project_id = ${delivery.projectId} and p.provider = ${delivery.provider}
        and p.repository = ${delivery.repository} and p.pr = ${delivery.pr}
        and p.lease_owner = ${owner}`;
    return Boolean(updated);
  });
}

/** Forgets a PR's remembered comment (deleted by a person): the next delivery searches again. */
export async function forgetComment(
  sql: Sql,
  delivery: Pick<DeliveryRow, 'projectId' | 'provider' | 'repository' | 'pr'>,
): Promise<void> {
  await sql`
    update scm_pull_requests set comment_id = null, comment_url = null
    where project_id = ${delivery.projectId} and provider = ${delivery.provider}
      and repository = ${delivery.repository} and pr = ${delivery.pr}`;
}

/** A run's deliveries, for its page and `GET /runs/:id`. */
export async function listRunDeliveries(
  sql: Sql,
  projectId: string,
  runId: string,
): Promise<DeliveryRow[]> {
  return sql<DeliveryRow[]>`
    select ${deliveryColumns(sql)} from scm_deliveries d
    where d.project_id = ${projectId} and d.run_id = ${runId}
    order by d.provider`;
}

export interface OutboxHealth {
  /** Deliveries waiting to be sent (or being sent). */
  depth: number;
  /** How long the oldest of them has waited, in seconds (0 when none). */
  oldestAgeSeconds: number;
  /** Deliveries that failed for good (401, 403, retries used up). */
  failed: number;
  /** Of those, failed in the last 24 hours. */
  failedLastDay: number;
  skipped: number;
  delivered: number;
}

/** The outbox's state across projects, for the admin health answer. */
export async function readOutboxHealth(sql: Sql, now: Date): Promise<OutboxHealth> {
  const [row] = await sql<OutboxHealth[]>`
    select
      count(*) filter (where state in ('pending', 'sending'))::int as depth,
      coalesce(extract(epoch from ${now}::timestamptz - min(created_at)
        filter (where state in ('pending', 'sending'))), 0)::int as "oldestAgeSeconds",
      count(*) filter (where state = 'failed')::int as failed,
      count(*) filter (where state = 'failed' and updated_at > ${now}::timestamptz - interval '1 day')::int as "failedLastDay",
      count(*) filter (where state = 'skipped')::int as skipped,
      count(*) filter (where state = 'delivered')::int as delivered
    from scm_deliveries`;
  return (
    row ?? { depth: 0, oldestAgeSeconds: 0, failed: 0, failedLastDay: 0, skipped: 0, delivered: 0 }
  );
}
