import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.ts';
import { readOutboxHealth, type OutboxHealth } from '../db/queries/deliveries.ts';
import { countRunningLiveSessions } from '../db/queries/live.ts';

/** How long scrape-time database reads are reused: scrapers (several Prometheus, a curl) do not
 *  each cost the outbox's count. */
const SNAPSHOT_TTL_MS = 5000;
/** A scrape or a readiness check gives up on the database after this long. */
export const DATABASE_CHECK_TIMEOUT_MS = 2000;

/** Latency buckets (seconds): from a cached read to a 10 MB upload. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type IngestSource = 'upload' | 'live';

/**
 * This process's Prometheus metrics, on a registry of its own (never prom-client's global one:
 * tests build several apps in one process). Counters and histograms are recorded where things
 * happen, in memory; gauges that need the database are read when scraped, and cached.
 */
export interface Metrics {
  registry: Registry;
  /** Requests by Hono's matched route pattern (`unmatched` for none), method and status. */
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** Reports stored (uploaded, or rebuilt at a live session's teardown); repeats not counted. */
  uploads: Counter<'source'>;
  /** Results stored by those reports. */
  results: Counter<'source'>;
  /** The whole ingestReport of a stored report: its one transaction, which stores the part and
   *  its results and brings the flakiness counters and states up to date. */
  ingestDuration: Histogram<'source'>;
  /** Pull/merge request deliveries the outbox worker of this process finished, by result. */
  deliveries: Counter<'result'>;
  /** Database checks that failed (`ready`: GET /ready, `scrape`: this endpoint's own). */
  databaseCheckFailures: Counter<'check'>;
  render(): Promise<string>;
  contentType: string;
}

export interface MetricsSources {
  database: Database;
  /** SSE clients of this process (the StreamHub). */
  hub?: { readonly clientCount: number };
  /** Ingests running and waiting their turn in this process. */
  ingest?: { readonly active: number; readonly waiting: number };
  now?: () => Date;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const { database } = sources;
  const now = sources.now ?? (() => new Date());
  const registry = new Registry();
  // Process CPU and memory, heap, GC, handles, and nodejs_eventloop_lag_* (seconds).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const databaseCheckFailures = new Counter({
    name: 'flackyness_database_check_failures_total',
    help: 'Database checks (select 1) that failed or timed out, by check (ready, scrape)',
    labelNames: ['check'] as const,
    registers,
  });
  let databaseUp = true;
  new Gauge({
    name: 'flackyness_database_up',
    help: '1 when the database answered select 1 at scrape time, else 0',
    registers,
    async collect() {
      databaseUp = await pingDatabase(database);
      if (!databaseUp) databaseCheckFailures.inc({ check: 'scrape' });
      this.set(databaseUp ? 1 : 0);
    },
  });
  new Gauge({
    name: 'flackyness_database_pool_max_connections',
    help: 'Connections the main database client may open (DATABASE_POOL_SIZE; 1 when embedded)',
    registers,
    collect() {
      this.set(database.pool.max);
    },
  });
  new Gauge({
    name: 'flackyness_database_pool_open_connections',
    help: 'TCP connections the main database client holds open now (absent for Unix sockets)',
    registers,
    collect() {
      const open = database.pool.openConnections();
      if (open !== null) this.set(open);
    },
  });

  // One read of the outbox and the live sessions for all their gauges, reused for a few seconds;
  // skipped while the database is down (the gauges keep their last values, database_up says 0).
  let snapshot: { at: number; value: Promise<Snapshot | null> } | null = null;
  const readSnapshot = (): Promise<Snapshot | null> => {
    if (!databaseUp) return Promise.resolve(null);
    if (snapshot && Date.now() - snapshot.at < SNAPSHOT_TTL_MS) return snapshot.value;
    const value = withTimeout(
      Promise.all([
        readOutboxHealth(database.sql, now()),
        countRunningLiveSessions(database.sql),
      ]).then(([outbox, liveSessions]) => ({ outbox, liveSessions })),
    ).catch(() => null);
    snapshot = { at: Date.now(), value };
    return value;
  };
  const fromSnapshot = (name: string, help: string, pick: (s: Snapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const value = await readSnapshot();
        if (value) this.set(pick(value));
      },
    });
  fromSnapshot(
    'flackyness_outbox_depth',
    'Pull/merge request deliveries waiting to be sent or being sent',
    (s) => s.outbox.depth,
  );
  fromSnapshot(
    'flackyness_outbox_oldest_age_seconds',
    'How long the oldest waiting delivery has waited',
    (s) => s.outbox.oldestAgeSeconds,
  );
  fromSnapshot(
    'flackyness_outbox_failed',
    'Deliveries that failed for good (kept in the outbox)',
    (s) => s.outbox.failed,
  );
  fromSnapshot(
    'flackyness_outbox_failed_last_day',
    'Deliveries that failed for good in the last 24 hours',
    (s) => s.outbox.failedLastDay,
  );
  fromSnapshot(
    'flackyness_live_sessions_running',
    'Live sessions whose reporters are still sending (all processes)',
    (s) => s.liveSessions,
  );
  new Gauge({
    name: 'flackyness_ingests_running',
    help: 'Uploads and live teardowns this process is storing now (at most INGEST_CONCURRENCY)',
    registers,
    collect() {
      this.set(sources.ingest?.active ?? 0);
    },
  });
  new Gauge({
    name: 'flackyness_ingests_waiting',
    help: 'Uploads and live teardowns waiting for their turn in this process',
    registers,
    collect() {
      this.set(sources.ingest?.waiting ?? 0);
    },
  });
  new Gauge({
    name: 'flackyness_sse_clients',
    help: 'Server-Sent Events streams open on this process',
    registers,
    collect() {
      this.set(sources.hub?.clientCount ?? 0);
    },
  });

  return {
    registry,
    httpRequests: new Counter({
      name: 'flackyness_http_requests_total',
      help: 'HTTP requests by matched route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'flackyness_http_request_duration_seconds',
      help: 'Time to the response (an SSE stream: to its opening), by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    uploads: new Counter({
      name: 'flackyness_uploads_total',
      help: 'Reports stored, by source (upload: POST /api/v1/reports, live: a session teardown)',
      labelNames: ['source'] as const,
      registers,
    }),
    results: new Counter({
      name: 'flackyness_results_ingested_total',
      help: 'Test results stored, by source (upload, live)',
      labelNames: ['source'] as const,
      registers,
    }),
    ingestDuration: new Histogram({
      name: 'flackyness_ingest_duration_seconds',
      help: 'One stored report: its transaction, results and flakiness update (recompute) included',
      labelNames: ['source'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    deliveries: new Counter({
      name: 'flackyness_deliveries_total',
      help: 'Pull/merge request deliveries finished by this process, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    databaseCheckFailures,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

interface Snapshot {
  outbox: OutboxHealth;
  liveSessions: number;
}

/** Whether the database answers `select 1` in time. */
export async function pingDatabase(database: Database): Promise<boolean> {
  try {
    await withTimeout(database.sql`select 1`.execute());
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('database check timed out')),
      DATABASE_CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
