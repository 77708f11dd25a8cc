import type { Env } from './ci.ts';

/** The reporter's options, as given in playwright.config.ts. Each has an environment variable. */
export interface FlackynessReporterOptions {
  /** The Flackyness server, e.g. `https://flackyness.example.com` (`FLACKYNESS_URL`). */
  url?: string;
  /** The project's ingest token (`FLACKYNESS_TOKEN`). */
  token?: string;
  /** A name for the run shown in the dashboard (`FLACKYNESS_RUN_NAME`). */
  runName?: string;
  /** e.g. `staging` (`FLACKYNESS_ENVIRONMENT`). */
  environment?: string;
  /** Send queued events at least this often, in ms (`FLACKYNESS_FLUSH_INTERVAL_MS`, 2000). */
  flushIntervalMs?: number;
  /** Send a batch as soon as this many events are queued (`FLACKYNESS_MAX_BATCH_SIZE`, 50). */
  maxBatchSize?: number;
  /** How long the end of the run may wait for the last batches and teardown, in ms
   *  (`FLACKYNESS_TIMEOUT_MS`, 30000). */
  timeoutMs?: number;
  /** Log every request and answer to stderr (`FLACKYNESS_DEBUG`, false). */
  debug?: boolean;
}

export interface ResolvedOptions {
  url: string | undefined;
  token: string | undefined;
  runName: string | undefined;
  environment: string | undefined;
  flushIntervalMs: number;
  maxBatchSize: number;
  timeoutMs: number;
  debug: boolean;
  /** Events held in memory at most while the server is slow or away. */
  maxQueuedEvents: number;
}

export const DEFAULTS = {
  flushIntervalMs: 2000,
  maxBatchSize: 50,
  timeoutMs: 30_000,
  maxQueuedEvents: 20_000,
} as const;

/** The contract's cap on one batch (MAX_EVENTS_PER_BATCH). */
const MAX_BATCH_SIZE = 1000;

function text(option: unknown, envValue: string | undefined): string | undefined {
  const value = typeof option === 'string' && option.trim() ? option : envValue;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(
  option: unknown,
  envValue: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const candidates = [option, envValue?.trim() ? Number(envValue) : undefined];
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isFinite(candidate)) {
      return Math.min(max, Math.max(min, Math.round(candidate)));
    }
  }
  return fallback;
}

function flag(option: unknown, envValue: string | undefined): boolean {
  if (typeof option === 'boolean') return option;
  return /^(1|true|yes|on)$/i.test(envValue?.trim() ?? '');
}

/** Options from the config win over the environment; bad numbers fall back to the defaults. */
export function resolveOptions(options: FlackynessReporterOptions, env: Env): ResolvedOptions {
  const url = text(options.url, env.FLACKYNESS_URL);
  return {
    url: url?.replace(/\/+$/, ''),
    token: text(options.token, env.FLACKYNESS_TOKEN),
    runName: text(options.runName, env.FLACKYNESS_RUN_NAME)?.slice(0, 255),
    environment: text(options.environment, env.FLACKYNESS_ENVIRONMENT)?.slice(0, 100),
    flushIntervalMs: integer(
      options.flushIntervalMs,
      env.FLACKYNESS_FLUSH_INTERVAL_MS,
      DEFAULTS.flushIntervalMs,
      10,
      3_600_000,
    ),
    maxBatchSize: integer(
      options.maxBatchSize,
      env.FLACKYNESS_MAX_BATCH_SIZE,
      DEFAULTS.maxBatchSize,
      1,
      MAX_BATCH_SIZE,
    ),
    timeoutMs: integer(
      options.timeoutMs,
      env.FLACKYNESS_TIMEOUT_MS,
      DEFAULTS.timeoutMs,
      0,
      3_600_000,
    ),
    debug: flag(options.debug, env.FLACKYNESS_DEBUG),
    maxQueuedEvents: DEFAULTS.maxQueuedEvents,
  };
}
