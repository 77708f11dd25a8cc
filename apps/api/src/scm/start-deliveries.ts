import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { startDeliveryWorker, type DeliveryWorker } from './delivery-worker.ts';
import type { EncryptionKeys } from './token-keys.ts';

/** Longer than a send can take: every request's timeout over a long comment search, plus the LLM. */
const leaseMsFor = (config: Config) => 60_000 + 40 * config.SCM_TIMEOUT_MS + config.LLM_TIMEOUT_MS;

/** The outbox worker with the configured settings (server.ts; tests override a few). */
export function startConfiguredDeliveries(
  config: Config,
  deps: {
    sql: Sql;
    keys: EncryptionKeys | null;
    logger: Logger;
    now: () => Date;
    fetch?: typeof fetch;
    pollMs?: number;
    random?: () => number;
    onFinished?: (result: string) => void;
  },
): DeliveryWorker {
  return startDeliveryWorker({
    sql: deps.sql,
    keys: deps.keys,
    logger: deps.logger,
    now: deps.now,
    publicUrl: config.publicUrl,
    windowDays: config.FLAKE_WINDOW_DAYS,
    timeoutMs: config.SCM_TIMEOUT_MS,
    maxAttempts: config.SCM_MAX_ATTEMPTS,
    retryBaseMs: config.SCM_RETRY_BASE_MS,
    retryMaxMs: config.SCM_RETRY_MAX_MS,
    llm: config.LLM_URL
      ? {
          url: config.LLM_URL,
          model: config.LLM_MODEL,
          ...(config.LLM_API_KEY ? { apiKey: config.LLM_API_KEY } : {}),
          timeoutMs: config.LLM_TIMEOUT_MS,
        }
      : null,
    pollMs: deps.pollMs ?? config.SCM_POLL_MS,
    leaseMs: leaseMsFor(config),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onFinished ? { onFinished: deps.onFinished } : {}),
  });
}
