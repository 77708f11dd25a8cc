import type { ClientRateLimitInfo, HonoConfigType, RedisClient, Store } from 'hono-rate-limiter';
import { RedisStore } from 'hono-rate-limiter';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { AppEnv, RateLimitStores } from './types.ts';

export type { RateLimitStores } from './types.ts';

/**
 * Fixed windows in memory, on the app's clock (so tests move time instead of waiting). Expired
 * windows are dropped as later requests come, at most once a window.
 */
class ClockedMemoryStore implements Store<AppEnv> {
  readonly localKeys = true;
  #windowMs = 60_000;
  #nextSweep = 0;
  readonly #clients = new Map<string, { totalHits: number; resetTime: Date }>();

  constructor(private readonly now: () => Date) {}

  init(options: HonoConfigType<AppEnv>): void {
    this.#windowMs = options.windowMs;
  }

  increment(key: string): ClientRateLimitInfo {
    const at = this.now().getTime();
    if (at >= this.#nextSweep) {
      for (const [k, client] of this.#clients) {
        if (client.resetTime.getTime() <= at) this.#clients.delete(k);
      }
      this.#nextSweep = at + this.#windowMs;
    }
    let client = this.#clients.get(key);
    if (!client || client.resetTime.getTime() <= at) {
      client = { totalHits: 0, resetTime: new Date(at + this.#windowMs) };
      this.#clients.set(key, client);
    }
    client.totalHits++;
    return { totalHits: client.totalHits, resetTime: client.resetTime };
  }

  decrement(key: string): void {
    const client = this.#clients.get(key);
    if (client && client.totalHits > 0) client.totalHits--;
  }

  resetKey(key: string): void {
    this.#clients.delete(key);
  }
}

/** RedisStore's client interface over ioredis. */
function redisClientOf(redis: Redis): RedisClient {
  return {
    scriptLoad: async (script) => (await redis.script('LOAD', script)) as string,
    evalsha: async <TArgs extends unknown[], TData = unknown>(
      sha: string,
      keys: string[],
      args: TArgs,
    ) => (await redis.evalsha(sha, keys.length, ...keys, ...(args as string[]))) as TData,
    decr: (key) => redis.decr(key),
    del: (key) => redis.del(key),
  };
}

/**
 * The shared store, which fails open: a Redis that cannot answer lets the request through (with a
 * warning, at most one a minute) rather than turning every request into a 5xx. Its reset times,
 * Redis's own, are put on the app's clock.
 */
class FailOpenRedisStore implements Store<AppEnv> {
  readonly localKeys = false;
  #warnedAt = -Infinity;

  constructor(
    private readonly inner: RedisStore<AppEnv>,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  get prefix(): string {
    return this.inner.prefix;
  }

  init(options: HonoConfigType<AppEnv>): void {
    this.inner.init(options);
  }

  #warn(error: unknown): void {
    if (Date.now() - this.#warnedAt < 60_000) return;
    this.#warnedAt = Date.now();
    this.logger.warn(
      { err: error },
      'rate limit store (Redis) unreachable: requests are let through',
    );
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      const { totalHits, resetTime } = await this.inner.increment(key);
      const left = (resetTime?.getTime() ?? Date.now()) - Date.now();
      return { totalHits, resetTime: new Date(this.now().getTime() + Math.max(0, left)) };
    } catch (error) {
      this.#warn(error);
      return { totalHits: 0, resetTime: undefined };
    }
  }

  async decrement(key: string): Promise<void> {
    await this.inner.decrement(key).catch((error: unknown) => this.#warn(error));
  }

  async resetKey(key: string): Promise<void> {
    await this.inner.resetKey(key).catch((error: unknown) => this.#warn(error));
  }
}

/** In memory, or in Redis when a URL is given (instances then share their counts). */
export function createRateLimitStores(options: {
  redisUrl?: string | undefined;
  redisPrefix: string;
  logger: Logger;
  now: () => Date;
}): RateLimitStores {
  const { redisUrl, redisPrefix, logger, now } = options;
  if (!redisUrl) {
    return { storeFor: () => new ClockedMemoryStore(now), close: async () => {} };
  }
  // Short timeouts and one retry: a request waits little for an absent Redis before going through.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => {}); // reported by the store's warning, once a minute
  const client = redisClientOf(redis);
  return {
    storeFor: (name) =>
      new FailOpenRedisStore(
        new RedisStore<AppEnv>({ client, prefix: `${redisPrefix}${name}:` }),
        logger,
        now,
      ),
    close: async () => {
      redis.disconnect();
    },
  };
}
