import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createListener, dashboardBuildDir, loadDashboard } from '../src/dashboard.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createPartitionsAhead } from '../src/db/partitions.ts';
import { createLiveServices } from '../src/live-services.ts';
import { createLogger } from '../src/logger.ts';

/** A real server over real HTTP on loopback, on a fresh database of the given mode. */
export interface BenchServer {
  mode: 'postgres' | 'embedded';
  baseUrl: string;
  adminToken: string;
  config: Config;
  database: Database;
  close(): Promise<void>;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export function postgresServerUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

/** A fresh database of that name on the PostgreSQL server, and a function that drops it. */
export async function createScratchDatabase(
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(postgresServerUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  const target = new URL(postgresServerUrl());
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** A fresh database of the mode, migrated, with partitions ahead; `dispose` closes and removes it. */
export async function openBenchDatabase(
  mode: 'postgres' | 'embedded',
  name: string,
  options: { poolSize?: number; onDisk?: boolean } = {},
): Promise<{ database: Database; url: string | undefined; dispose(): Promise<void> }> {
  let url: string | undefined;
  let dataDir: string | undefined;
  let drop = async () => {};
  if (mode === 'postgres') {
    const scratch = await createScratchDatabase(name);
    url = scratch.url;
    drop = scratch.drop;
  } else if (options.onDisk) {
    dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  }
  const database = await openDatabase({
    url,
    dataDir: dataDir ?? null,
    poolSize: options.poolSize,
  });
  await runMigrations(database);
  await createPartitionsAhead(database.sql, 2);
  return {
    database,
    url,
    async dispose() {
      await database.close();
      await drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The server as `pnpm start` runs it; `dashboard: true` mounts the dashboard's build on the same
 * port (its server-side reads then reach the API in process), and fails when it is not built.
 */
export async function startBenchServer(
  mode: 'postgres' | 'embedded',
  name: string,
  options: { dashboard?: boolean } = {},
): Promise<BenchServer> {
  // On disk in embedded mode, as the server keeps it.
  const { database, url, dispose } = await openBenchDatabase(mode, name, {
    poolSize: 10,
    onDisk: true,
  });
  const config = loadConfig({
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    // One loopback address and token send far more than a person or a CI job would: the limits
    // would answer most of it with 429 (they have tests of their own: rate-limits.db.test.ts).
    RATE_LIMIT_UPLOADS_PER_MIN: '0',
    RATE_LIMIT_INGEST_PER_MIN: '0',
    RATE_LIMIT_READS_PER_MIN: '0',
    RATE_LIMIT_ADMIN_PER_MIN: '0',
    RATE_LIMIT_LOGINS_PER_MIN: '0',
    ...(url ? { DATABASE_URL: url } : {}),
  });
  const dashboard = options.dashboard ? await loadDashboard(config) : undefined;
  if (options.dashboard && !dashboard) {
    await dispose();
    throw new Error(
      `no dashboard build in ${dashboardBuildDir(config)}: run "pnpm --filter @flackyness/dashboard build" first`,
    );
  }
  const logger = createLogger('warn');
  const live = createLiveServices({ database, config, logger });
  const app = createApp({
    config,
    database,
    logger,
    adminToken: ADMIN_TOKEN,
    startedAt: new Date(),
    now: () => new Date(),
    live,
    encryptionKeys: config.ENCRYPTION_KEY ?? null,
  });
  const server = createServer(createListener(app.fetch, dashboard));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    mode,
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: ADMIN_TOKEN,
    config,
    database,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await live.close();
      await dispose();
    },
  };
}

export interface BenchProject {
  id: string;
  slug: string;
  token: string;
}

export async function createBenchProject(server: BenchServer, name: string): Promise<BenchProject> {
  const response = await fetch(`${server.baseUrl}/api/v1/admin/projects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201)
    throw new Error(`create project: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { project: { id: string; slug: string }; token: string };
  return { ...body.project, token: body.token };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The nearest-rank percentile `p` (0–100) of `values`; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;

/** One GET, its whole body read; the time from sending to the last byte. Anything but 200 throws. */
export async function timeGet(
  server: BenchServer,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  const began = performance.now();
  const response = await fetch(`${server.baseUrl}${path}`, { headers, redirect: 'manual' });
  await response.arrayBuffer();
  const elapsed = performance.now() - began;
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  return elapsed;
}

const runFile = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'flackyness-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Uploads a report as CI does, with the README's curl (`--data-binary @file`) in a process of its
 * own: a client in the server's process would spend the server's event loop on sending 5 MB.
 * Returns curl's own time for the whole request (connect to last byte of the answer).
 */
export async function uploadWithCurl(
  server: BenchServer,
  token: string,
  body: Buffer,
  query: Record<string, string>,
): Promise<{ elapsed: number; answer: { run: { id: string } } }> {
  const file = join(scratch, 'report.json');
  writeFileSync(file, body);
  const url = `${server.baseUrl}/api/v1/reports?${new URLSearchParams(query)}`;
  const { stdout } = await runFile(
    'curl',
    [
      '--silent',
      '--show-error',
      '--header',
      `Authorization: Bearer ${token}`,
      '--header',
      'Content-Type: application/json',
      '--data-binary',
      `@${file}`,
      '--write-out',
      '\n%{http_code} %{time_total}',
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const cut = stdout.lastIndexOf('\n');
  const [status, seconds] = stdout.slice(cut + 1).split(' ');
  if (status !== '201') throw new Error(`upload answered ${status}: ${stdout.slice(0, cut)}`);
  return {
    elapsed: Number(seconds) * 1000,
    answer: JSON.parse(stdout.slice(0, cut)) as { run: { id: string } },
  };
}
