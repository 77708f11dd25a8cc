import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter, type RateLimitInfo } from 'hono-rate-limiter';
import { ApiError } from '../errors.ts';
import { sha256Hex } from './auth.ts';
import { clientAddress } from './client-address.ts';
import type { AppEnv, LimitName, RateLimitStores } from './types.ts';

/** Every limit counts requests per minute, in fixed windows. */
const WINDOW_MS = 60_000;
const INFO = 'rateLimit';

/**
 * Upload and live-event limits belong to the CI that sends them: keyed by the SHA-256 of the
 * presented token (never the token), so two tokens of one project count apart. A request with no
 * token at all is counted by its address.
 */
export function tokenKey(c: Context<AppEnv>, trustProxy: number): string {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const token = bearer ?? c.req.header('x-api-key')?.trim();
  return token ? `token:${sha256Hex(token)}` : `address:${clientAddress(c, trustProxy)}`;
}

/** The IETF `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-08), the policy named. */
function rateLimitHeaders(
  name: LimitName,
  info: RateLimitInfo,
  now: Date,
  refused: boolean,
): Record<string, string> {
  const resetSeconds = info.resetTime
    ? Math.max(0, Math.ceil((info.resetTime.getTime() - now.getTime()) / 1000))
    : WINDOW_MS / 1000;
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${name}";q=${info.limit};w=${WINDOW_MS / 1000}`,
    RateLimit: `"${name}";r=${info.remaining};t=${resetSeconds}`,
  };
  if (refused) headers['Retry-After'] = String(Math.max(1, resetSeconds));
  return headers;
}

/** One limit: `limit` requests a minute per key; 0 turns it off. */
export function rateLimit(
  name: LimitName,
  options: {
    limit: number;
    key: (c: Context<AppEnv>) => string;
    stores: RateLimitStores;
    now: () => Date;
  },
): MiddlewareHandler<AppEnv> {
  const { limit, now } = options;
  if (limit <= 0) return (_c, next) => next();
  const limiter = rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: false, // written below, on the app's clock and in draft-8 form
    requestPropertyName: INFO,
    store: options.stores.storeFor(name),
    keyGenerator: options.key,
    handler: (c) => {
      const info = (c.get as (key: string) => RateLimitInfo)(INFO);
      throw new ApiError(
        'rate_limited',
        `Too many requests: the ${name} limit is ${limit} a minute; retry later`,
        { limit: name },
        rateLimitHeaders(name, info, now(), true),
      );
    },
  });
  return async (c, next) => {
    await limiter(c, async () => {
      await next();
      const info = (c.get as (key: string) => RateLimitInfo | undefined)(INFO);
      // A store that failed open counted nothing: no figures to show.
      if (!info || info.used === 0) return;
      for (const [header, value] of Object.entries(rateLimitHeaders(name, info, now(), false))) {
        c.res.headers.set(header, value);
      }
    });
  };
}
