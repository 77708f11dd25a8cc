import { connect as connectTcp, type Socket } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedServer } from './embedded.ts';
import { TestIdCache } from './test-id-cache.ts';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;

/** One handle for both modes: the same driver (postgres.js) and the same SQL either way. */
export interface Database {
  mode: 'postgres' | 'embedded';
  /** The primary: every write, and every read that must see a write just committed. */
  sql: Sql;
  /**
   * The dashboard's reads, which tolerate seconds of replication lag: a pool on the read replica
   * (DATABASE_READ_URL), or `sql` itself when there is none (and in embedded mode).
   */
  read: Sql;
  /** Opens a separate client on the same database (migrations run on one of their own). */
  connect(options?: ConnectOptions): Sql;
  /** Ids of known tests by identity, shared by the uploads to this database. */
  testIds: TestIdCache;
  /** The main client's connections, as far as they can be seen (postgres.js keeps its pool to
   *  itself): its size, and the TCP connections it holds open now (null when not observed: a
   *  Unix socket or several hosts, which postgres.js connects itself). */
  pool: { max: number; openConnections(): number | null };
  /**
   * A pool whose every statement the server cancels after `ms` (statement_timeout), for requests
   * with a time budget; one per budget, of the main pool's size. Embedded: the one connection
   * (PGlite runs a statement to its end; the request's own deadline still answers).
   */
  timed(ms: number): Sql;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Real PostgreSQL; when absent, embedded PGlite is started. */
  url?: string | undefined;
  /** A read replica of `url` for the dashboard's reads (docs/scaling.md); postgres mode only. */
  readUrl?: string | undefined;
  /** Where embedded data lives; null keeps it in memory. */
  dataDir?: string | null;
  poolSize?: number;
}

export interface ConnectOptions {
  max?: number;
  /** Sets statement_timeout on each connection. */
  statementTimeoutMs?: number;
  /**
   * Sets TCP_NODELAY, which postgres.js leaves off: with Nagle's algorithm a COPY waits on a
   * delayed ACK (~40–90 ms over TCP). Only for single-host TCP connections.
   */
  noDelay?: boolean;
}

/**
 * A connecting socket, returned before it connects: postgres.js writes its startup message into
 * the socket's buffer, and a refused connection reaches postgres.js as the socket's own `error`
 * and `close`, which return the connection to its pool. A factory that rejects instead (waiting
 * for `connect`) makes postgres.js drop that connection for good: during a PostgreSQL outage
 * every failed attempt took a place of its pool, until its queries waited forever.
 */
const noDelaySocket = (options: { host: string[]; port: number[] }) =>
  connectTcp({
    host: options.host[0],
    port: options.port[0] ?? 5432,
    noDelay: true,
  });

/** Sockets of a client, opened through `noDelaySocket`; read by `openConnections`. */
function trackedSockets() {
  const open = new Set<Socket>();
  return {
    socket: (options: { host: string[]; port: number[] }) => {
      const socket = noDelaySocket(options);
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      return socket;
    },
    count(): number {
      for (const socket of open) if (socket.destroyed) open.delete(socket);
      return open.size;
    },
  };
}

const driverOptions = {
  onnotice: () => {},
  // Timestamps come back as Date, bigint ids as strings (postgres.js defaults).
  connection: { application_name: 'flackyness', TimeZone: 'UTC' },
} satisfies postgres.Options<Record<string, never>>;

/** Where the embedded database keeps its files: a folder of its own inside DATA_DIR. */
export function embeddedDataDir(config: { DATA_DIR: string }): string {
  return join(config.DATA_DIR, 'pglite');
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const url = options.url;
    const connect = (o: ConnectOptions = {}, sockets?: ReturnType<typeof trackedSockets>) =>
      postgres(url, {
        ...driverOptions,
        max: o.max ?? 1,
        ...(o.noDelay ? { socket: sockets?.socket ?? noDelaySocket } : {}),
        ...(o.statementTimeoutMs
          ? {
              connection: {
                ...driverOptions.connection,
                statement_timeout: o.statementTimeoutMs,
              },
            }
          : {}),
      });
    // Uploads send multi-megabyte statements, pipelined: don't let Nagle hold their last segment.
    const max = options.poolSize ?? 10;
    const singleHost = isSingleTcpHost(url);
    const sockets = trackedSockets();
    const sql = connect({ max, noDelay: singleHost }, sockets);
    const readUrl = options.readUrl;
    const read = readUrl ? postgres(readUrl, { ...driverOptions, max }) : sql;
    const timedPools = new Map<number, Sql>();
    return {
      mode: 'postgres',
      sql,
      read,
      connect: (o) => connect(o),
      testIds: new TestIdCache(),
      pool: { max, openConnections: () => (singleHost ? sockets.count() : null) },
      timed(ms) {
        let pool = timedPools.get(ms);
        if (!pool) {
          pool = connect({ max, noDelay: singleHost, statementTimeoutMs: ms });
          timedPools.set(ms, pool);
        }
        return pool;
      },
      async close() {
        await Promise.all(
          [...timedPools.values(), sql, ...(read === sql ? [] : [read])].map((pool) =>
            pool.end({ timeout: 5 }),
          ),
        );
      },
    };
  }
  const server = await startEmbeddedServer(options.dataDir ?? null);
  const connect = (o: ConnectOptions = {}, sockets?: ReturnType<typeof trackedSockets>) =>
    postgres({
      ...driverOptions,
      ...(o.noDelay ? { socket: sockets?.socket ?? noDelaySocket } : {}),
      host: '127.0.0.1',
      port: server.port,
      user: 'postgres',
      database: 'postgres',
      max: Math.min(o.max ?? 1, 1),
    });
  // PGlite runs one query at a time: one connection, on which postgres.js queues queries.
  const sockets = trackedSockets();
  const sql = connect({ noDelay: true }, sockets);
  return {
    mode: 'embedded',
    sql,
    read: sql,
    connect: (o) => connect(o),
    testIds: new TestIdCache(),
    pool: { max: 1, openConnections: () => sockets.count() },
    timed: () => sql,
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
    },
  };
}

/** Whether the URL names one TCP host (not several, not a Unix socket), which noDelay requires. */
export function isSingleTcpHost(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // e.g. postgres://a:5432,b:5432/db, which postgres.js reads itself
  }
  const host = parsed.searchParams.get('host') ?? parsed.hostname;
  return host !== '' && !host.includes(',') && !host.startsWith('/');
}

/** A JSON parameter (sent once as jsonb, e.g. for jsonb_to_recordset over a whole batch). */
export function jsonParam(sql: Sql | TxSql, value: unknown): postgres.Parameter {
  return sql.json(value as postgres.JSONValue);
}
