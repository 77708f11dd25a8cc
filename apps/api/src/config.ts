import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { parseEncryptionKeys, type EncryptionKeys } from './scm/token-keys.ts';

/**
 * The only reader of process.env. Every variable is parsed once, at start; a bad value stops the
 * start with a message naming the variable, so a typo never turns into a silent default.
 */
const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  /**
   * Optional read replica of DATABASE_URL (streaming replication): the dashboard's reads go there;
   * writes, authentication and reads that must see a write just made stay on DATABASE_URL.
   */
  DATABASE_READ_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  RETENTION_MONTHS: z.coerce.number().int().min(1).max(240).default(12),
  PARTITIONS_AHEAD_MONTHS: z.coerce.number().int().min(0).max(24).default(2),
  FLAKE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.05),
  FLAKE_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  RESOLVE_AFTER_RUNS: z.coerce.number().int().min(1).max(10000).default(20),
  MASS_FAILURE_RATIO: z.coerce.number().min(0).max(1).default(0.8),
  /** A live run with no event for this long is cancelled (its reporter is gone). */
  LIVE_ORPHAN_HOURS: z.coerce.number().min(0.01).max(8760).default(24),
  /** The largest live event batch or teardown body. */
  LIVE_BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** How long a dashboard login lasts. */
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(8760).default(12),
  LOG_REQUESTS: booleanish.default(true),
  /** Serve the dashboard on the API's port (API under /api, pages everywhere else). */
  SERVE_DASHBOARD: booleanish.default(true),
  /** The dashboard's adapter-node build; default the workspace's apps/dashboard/build. */
  DASHBOARD_DIR: optionalString,
  /**
   * Protection (DESIGN.md §8). Rate limits are requests per minute, 0 turns one off: uploads and
   * live events per project token (by its hash), reads, admin calls and logins per client address.
   */
  RATE_LIMIT_UPLOADS_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(60),
  RATE_LIMIT_INGEST_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(600),
  RATE_LIMIT_READS_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(100),
  RATE_LIMIT_ADMIN_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(20),
  RATE_LIMIT_LOGINS_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(10),
  /** Shares the limits between instances; unset: each process counts in memory. */
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  /** Prefix of the limits' keys in Redis (several deployments may share one Redis). */
  RATE_LIMIT_REDIS_PREFIX: z.string().min(1).default('flackyness:rl:'),
  /** Proxies in front whose X-Forwarded-For is believed: 0 ignores the header. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** A request's time budget; its database statements are cancelled by the server with it. */
  INGEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  READ_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /** Ingests (uploads, live teardowns) one process stores at once, and how many may wait their
   *  turn (http/ingest-slots.ts); INGEST_CONCURRENCY 0: no bound. */
  INGEST_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(2),
  INGEST_QUEUE_MAX: z.coerce.number().int().min(0).max(100_000).default(100),
  /** Origins allowed to call the API from a browser (comma-separated); empty: no CORS headers. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || parsed.origin !== origin.replace(/\/+$/, '')) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin (scheme://host[:port])`,
          });
          return z.NEVER;
        }
      }
      return origins.map((origin) => origin.replace(/\/+$/, ''));
    }),
  /** security.txt's Contact: where to report a vulnerability; operators set their own. */
  SECURITY_CONTACT: z.string().min(1).default('mailto:security@flackyness.dev'),
  /** Pull/merge request deliveries (DESIGN.md §7): send them from this process. */
  SCM_DELIVERIES: booleanish.default(true),
  /** How often the outbox is looked at for due deliveries. */
  SCM_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  /** A completed run waits this long for its other shards before its summary is sent. */
  SCM_DEBOUNCE_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /** Each request to GitHub, GitLab or Azure DevOps. */
  SCM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Attempts before a delivery the platform keeps refusing for a while (5xx, 429) fails. */
  SCM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Backoff between attempts: exponential from the base, with jitter, up to the maximum. */
  SCM_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5000),
  SCM_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  /** Optional "likely causes" paragraph: an OpenAI-compatible chat completions URL. */
  LLM_URL: optionalString.pipe(z.url().optional()),
  LLM_MODEL: z.string().min(1).default('llama3.1'),
  LLM_API_KEY: optionalString,
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(20_000),
  /**
   * The keys provider tokens are sealed with (AES-256-GCM): comma-separated, each `keyId:key` or a
   * bare key; the first seals, all open. Unset: no integration can be created.
   */
  ENCRYPTION_KEY: optionalString.transform((value, ctx): EncryptionKeys | undefined => {
    if (value === undefined) return undefined;
    try {
      return parseEncryptionKeys(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  METRICS_TOKEN: optionalString.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  /** On SIGTERM/SIGINT, how long requests in flight (uploads) may take before they are cut. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
});

export type Config = z.infer<typeof configSchema> & {
  /** The base URL links in API responses point at. */
  publicUrl: string;
  /** Embedded (PGlite) when no DATABASE_URL is set. */
  databaseMode: 'postgres' | 'embedded';
};

/** The flakiness model's settings (DESIGN.md §4) every ingestion, upload or demo, runs with. */
export function ingestSettings(config: Config) {
  return {
    windowDays: config.FLAKE_WINDOW_DAYS,
    threshold: config.FLAKE_THRESHOLD,
    resolveAfterRuns: config.RESOLVE_AFTER_RUNS,
    massFailureRatio: config.MASS_FAILURE_RATIO,
    deliveryDelayMs: config.SCM_DEBOUNCE_MS,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Where `.env` files are looked for, first wins: the working directory, then the repository root
 *  (beside `.env.example`, its documented template). */
export const envFiles = [resolve('.env'), fileURLToPath(new URL('../../../.env', import.meta.url))];

/**
 * The environment with `.env` files under it: a variable set in the environment wins over a file,
 * and the first file over the later ones, as with docker compose and dotenv.
 */
export function environmentWithEnvFiles(
  files: readonly string[] = envFiles,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = {};
  for (const file of [...new Set(files)].reverse()) {
    if (existsSync(file)) Object.assign(merged, parseEnv(readFileSync(file, 'utf8')));
  }
  return { ...merged, ...env };
}

export function loadConfig(env: NodeJS.ProcessEnv = environmentWithEnvFiles()): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const values = parsed.data;
  if (values.DATABASE_READ_URL && !values.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_READ_URL: needs DATABASE_URL (a replica of what?)',
    );
  }
  const host = values.HOST === '0.0.0.0' || values.HOST === '::' ? 'localhost' : values.HOST;
  return {
    ...values,
    publicUrl: (values.PUBLIC_URL ?? `http://${host}:${values.PORT}`).replace(/\/+$/, ''),
    databaseMode: values.DATABASE_URL ? 'postgres' : 'embedded',
  };
}
