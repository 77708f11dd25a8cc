import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createPartitionsAhead } from '../src/db/partitions.ts';
import { createRateLimitStores } from '../src/http/rate-limit-stores.ts';
import { createLiveServices } from '../src/live-services.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import type { IngestSlots } from '../src/http/ingest-slots.ts';
import {
  generateEncryptionKey,
  parseEncryptionKeys,
  type EncryptionKeys,
} from '../src/scm/token-keys.ts';
import { adminDatabaseUrl, databaseUrlFor } from './postgres-url.ts';

export type DbMode = 'embedded' | 'postgres';

export const dbMode: DbMode = process.env.FLK_TEST_DB === 'postgres' ? 'postgres' : 'embedded';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  database: Database;
  config: Config;
  adminToken: string;
  encryptionKeys: EncryptionKeys | null;
  live: ReturnType<typeof createLiveServices>;
  /**
   * Sends a request through the real app (no network), from `from.address` as the socket's peer
   * when given (what the per-address limits see), else from no socket at all.
   */
  request(path: string, init?: RequestInit, from?: { address: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Embedded mode: persist here (for restart tests); default in memory. */
  dataDir?: string;
  /** PostgreSQL mode: use this database instead of the shared test database. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** The app's clock; default the real one. Tests of state that ages move it. */
  now?: () => Date;
  /** SSE heartbeat period (15 s by default). */
  heartbeatMs?: number;
  /** The app's logger; default silent (or TEST_LOG_LEVEL). */
  logger?: Logger;
  /** null: no ENCRYPTION_KEY. Default: env.ENCRYPTION_KEY if given, else a random key. */
  encryptionKey?: null;
  /** The ingests' turns; default from INGEST_CONCURRENCY (tests that hold a turn pass their own). */
  ingestSlots?: IngestSlots;
}

/** Builds the real app on a real database of the mode this test project runs in. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const adminToken = `admin_${randomBytes(16).toString('hex')}`;
  const url = dbMode === 'postgres' ? (options.databaseUrl ?? inject('postgresUrl')) : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    // Off unless a test turns one on: suites upload and read far more than 60 times a minute
    // through one token or one address. The production defaults are the config's.
    RATE_LIMIT_UPLOADS_PER_MIN: '0',
    RATE_LIMIT_INGEST_PER_MIN: '0',
    RATE_LIMIT_READS_PER_MIN: '0',
    RATE_LIMIT_ADMIN_PER_MIN: '0',
    RATE_LIMIT_LOGINS_PER_MIN: '0',
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
    LOG_REQUESTS: 'false',
    PUBLIC_URL: 'http://flackyness.test',
    ...(url ? { DATABASE_URL: url } : {}),
    ...options.env,
  });
  const database = await openDatabase({
    url,
    readUrl: config.DATABASE_READ_URL,
    dataDir: options.dataDir ?? null,
    poolSize: 4,
  });
  await runMigrations(database);
  await createPartitionsAhead(database.sql, config.PARTITIONS_AHEAD_MONTHS);
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const encryptionKeys =
    options.encryptionKey === null
      ? null
      : (config.ENCRYPTION_KEY ?? parseEncryptionKeys(`test:${generateEncryptionKey()}`));
  const live = createLiveServices({ database, config, logger, heartbeatMs: options.heartbeatMs });
  const now = options.now ?? (() => new Date());
  const rateLimits = createRateLimitStores({
    redisUrl: config.REDIS_URL,
    redisPrefix: config.RATE_LIMIT_REDIS_PREFIX,
    logger,
    now,
  });
  const app = createApp({
    config,
    database,
    logger,
    adminToken,
    startedAt: new Date(),
    now,
    live,
    encryptionKeys,
    rateLimits,
    ingestSlots: options.ingestSlots,
  });
  return {
    app,
    database,
    config,
    adminToken,
    encryptionKeys,
    live,
    request: async (path, init, from) =>
      app.request(
        path,
        init,
        from ? { incoming: { socket: { remoteAddress: from.address } } } : undefined,
      ),
    close: async () => {
      await rateLimits.close();
      await live.close();
      await database.close();
    },
  };
}

/**
 * PostgreSQL mode: a database of its own for a test that changes shared state (retention drops
 * partitions). Returns its URL and a function that drops it.
 */
export async function createIsolatedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `flackyness_iso_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  return {
    url: databaseUrlFor(name),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

export function adminHeaders(
  t: TestApp,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { authorization: `Bearer ${t.adminToken}`, ...extra };
}

export async function createProject(
  t: TestApp,
  name = `Project ${randomBytes(4).toString('hex')}`,
): Promise<{ project: { id: string; slug: string; name: string }; token: string }> {
  const response = await t.request('/api/v1/admin/projects', {
    method: 'POST',
    headers: adminHeaders(t, { 'content-type': 'application/json' }),
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201)
    throw new Error(`createProject: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{
    project: { id: string; slug: string; name: string };
    token: string;
  }>;
}

export interface UploadOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** Uploads a report as a JSON body with metadata in the query string. */
export async function uploadReport(
  t: TestApp,
  token: string,
  report: unknown,
  options: UploadOptions = {},
): Promise<Response> {
  const query = new URLSearchParams(options.query ?? {}).toString();
  return t.request(`/api/v1/reports${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...options.headers,
    },
    body:
      typeof report === 'string' || report instanceof Uint8Array ? report : JSON.stringify(report),
  });
}

/** Rows a project holds in the tables an upload writes: a refused request must leave them so. */
export async function countProjectRows(t: TestApp, projectId: string) {
  const [row] = await t.database.sql<
    { runs: number; parts: number; results: number; tests: number }[]
  >`
    select
      (select count(*)::int from runs where project_id = ${projectId}) as runs,
      (select count(*)::int from run_parts where project_id = ${projectId}) as parts,
      (select count(*)::int from test_results where project_id = ${projectId}) as results,
      (select count(*)::int from tests where project_id = ${projectId}) as tests`;
  return row as { runs: number; parts: number; results: number; tests: number };
}
