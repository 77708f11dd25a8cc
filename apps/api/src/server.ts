import { resolve } from 'node:path';
import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { resolveAdminToken, type AdminToken } from './admin-token.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createListener, dashboardBuildDir, loadDashboard } from './dashboard.ts';
import { embeddedDataDir, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createPartitionsAhead } from './db/partitions.ts';
import { seedDemo, type SeededDemo } from './demo/seed-demo.ts';
import { startPartitionMaintenance } from './jobs/partition-maintenance.ts';
import { startLiveOrphanJob } from './jobs/live-orphans.ts';
import { startWindowMaintenance } from './jobs/window-maintenance.ts';
import { createRateLimitStores } from './http/rate-limit-stores.ts';
import { createLiveServices } from './live-services.ts';
import { createMetrics } from './http/metrics.ts';
import { createLogger } from './logger.ts';
import { startConfiguredDeliveries } from './scm/start-deliveries.ts';
import { assertEncryptionReady, EncryptionNotReadyError } from './scm/encryption-ready.ts';
import { reencryptIntegrationTokens } from './scm/rotate-token-keys.ts';
import { IngestSlots } from './http/ingest-slots.ts';

/** Connections waiting to be accepted, at most. */
const LISTEN_BACKLOG = 4096;

/** Starts things: config, database, HTTP listener, jobs, graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const adminToken = resolveAdminToken(config);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    readUrl: config.DATABASE_READ_URL,
    dataDir: embeddedDataDir(config),
    poolSize: config.DATABASE_POOL_SIZE,
  });
  await runMigrations(database);
  await createPartitionsAhead(database.sql, config.PARTITIONS_AHEAD_MONTHS);
  // Stored provider tokens must open with ENCRYPTION_KEY; a new key put first seals them again.
  const encryptionKeys = config.ENCRYPTION_KEY ?? null;
  await assertEncryptionReady(database.sql, encryptionKeys);
  if (encryptionKeys) {
    const { reencrypted } = await reencryptIntegrationTokens(database.sql, encryptionKeys);
    if (reencrypted > 0) {
      logger.info(
        { reencrypted, keyId: encryptionKeys.currentKeyId },
        'integration tokens sealed again with the current key',
      );
    }
  }
  const now = () => new Date();
  // `pnpm demo`: a project full of history before the first request (see apps/api/demo).
  let demo: SeededDemo | undefined;
  if (process.argv.includes('--demo')) {
    logger.info('seeding the demo project');
    demo = await seedDemo({ database, config, now, logger });
  }
  const stopMaintenance = startPartitionMaintenance(database.sql, {
    aheadMonths: config.PARTITIONS_AHEAD_MONTHS,
    retentionMonths: config.RETENTION_MONTHS,
    windowDays: config.FLAKE_WINDOW_DAYS,
    logger,
    now,
  });
  const stopWindows = startWindowMaintenance(database.sql, {
    windowDays: config.FLAKE_WINDOW_DAYS,
    logger,
    now,
  });

  const live = createLiveServices({ database, config, logger });
  const stopOrphans = startLiveOrphanJob({
    database,
    bus: live.bus,
    orphanHours: config.LIVE_ORPHAN_HOURS,
    logger,
    now,
  });

  const ingestSlots = IngestSlots.fromConfig(config);
  const metrics = createMetrics({ database, hub: live.hub, ingest: ingestSlots, now });
  // Pull/merge request summaries: sent in the background, never on an upload's path.
  const deliveries = config.SCM_DELIVERIES
    ? startConfiguredDeliveries(config, {
        sql: database.sql,
        keys: encryptionKeys,
        logger,
        now,
        onFinished: (result) => metrics.deliveries.inc({ result }),
      })
    : null;
  const lifecycle = { draining: false };

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
    adminToken: adminToken.token,
    startedAt: new Date(),
    now,
    live,
    encryptionKeys,
    metrics,
    lifecycle,
    rateLimits,
    ingestSlots,
  });
  const dashboard = await loadDashboard(config);
  const listener = createListener(app.fetch, dashboard);
  const server = createServer((req, res) => {
    // While stopping, each answer closes its connection: keep-alive clients reconnect elsewhere.
    if (lifecycle.draining) res.setHeader('connection', 'close');
    listener(req, res);
  });
  // A deep accept queue (the kernel caps it at net.core.somaxconn): with Node's 511, a burst of
  // new connections overflowed it under load and clients' SYNs were dropped, each costing them a
  // retransmit of 1, 3, 7, 15 s (docs/performance.md, loadtest).
  server.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG }, () => {
    logger.info(
      { port: config.PORT, database: database.mode, dashboard: Boolean(dashboard) },
      'listening',
    );
    process.stdout.write(
      `${startBanner(config, database.mode, adminToken, Boolean(dashboard), demo)}\n`,
    );
  });

  let closing = false;
  /**
   * Graceful stop (SIGTERM, SIGINT): /ready answers 503 and the listener closes (no new
   * connections); open SSE streams end with a `retry:` hint (browsers reconnect elsewhere and
   * resume); requests in flight, uploads above all, finish, for up to SHUTDOWN_TIMEOUT_MS, after
   * which their connections are cut; then the outbox worker drains, the jobs stop, the bus and
   * the database close, and the process exits 0.
   */
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    lifecycle.draining = true;
    const began = Date.now();
    logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down');
    stopMaintenance();
    stopWindows();
    stopOrphans();
    live.hub.close();
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
    // Keep-alive connections go as soon as their request in flight is answered.
    const idle = setInterval(() => server.closeIdleConnections(), 250);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((done) => {
        timer = setTimeout(() => done(true), config.SHUTDOWN_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(idle);
    if (timedOut) {
      logger.warn('requests still in flight at SHUTDOWN_TIMEOUT_MS: their connections are cut');
      server.closeAllConnections();
    }
    // The send in progress ends; what is still queued waits in the outbox for the next start.
    await deliveries?.stop();
    await live.close();
    await rateLimits.close();
    await database.close();
    logger.info({ ms: Date.now() - began }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** What the operator needs at start: where to go, how to sign in, where the data is. */
function startBanner(
  config: Config,
  databaseMode: string,
  adminToken: AdminToken,
  withDashboard: boolean,
  demo: SeededDemo | undefined,
): string {
  const lines = [
    '',
    `  Flackyness is running at ${config.publicUrl}`,
    withDashboard
      ? `  Dashboard: open ${config.publicUrl} and sign in with the admin token (or a project token)`
      : `  Dashboard: not served (build it with "pnpm build", or SERVE_DASHBOARD=false; looked in ${dashboardBuildDir(config)})`,
    `  Database: ${databaseMode === 'embedded' ? `embedded PostgreSQL in ${resolve(config.DATA_DIR)}` : 'PostgreSQL (DATABASE_URL)'}`,
  ];
  if (adminToken.generated) {
    lines.push(
      `  Admin token (shown once, kept in ${adminToken.file}):`,
      `    ${adminToken.token}`,
    );
  } else if (adminToken.file) {
    lines.push(`  Admin token: in ${adminToken.file}`);
  } else {
    lines.push('  Admin token: the ADMIN_TOKEN you set');
  }
  if (demo) {
    lines.push(`  Demo project: ${config.publicUrl}/projects/${demo.project.slug}`);
    if (demo.token) lines.push('  Demo project token (shown once):', `    ${demo.token}`);
  }
  lines.push(
    `  Create a project: curl -X POST ${config.publicUrl}/api/v1/admin/projects -H "Authorization: Bearer <admin token>" -H "Content-Type: application/json" -d '{"name":"My app"}'`,
    '',
  );
  return lines.join('\n');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EncryptionNotReadyError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Flackyness failed to start: ${(error as Error).stack ?? String(error)}\n`,
    );
  }
  process.exit(1);
});
