import type { Context, MiddlewareHandler } from 'hono';
import { clientAddress } from './client-address.ts';
import { requestDeadline } from './deadline.ts';
import { createRateLimitStores } from './rate-limit-stores.ts';
import { rateLimit, tokenKey } from './rate-limits.ts';
import type { AppDeps, AppEnv, LimitName } from './types.ts';

/** What a request to /api is, for its limit and its time budget. */
type RequestKind = LimitName | 'stream';

function kindOf(method: string, path: string): RequestKind {
  if (path.startsWith('/api/v1/admin/') || path === '/api/v1/admin') return 'admin';
  if (path === '/api/v1/reports' || path.startsWith('/api/v1/reports/')) return 'uploads';
  if (path.startsWith('/api/v1/ingest/')) return 'ingest';
  if (path === '/api/v1/sessions' && method === 'POST') return 'logins';
  if (method === 'GET' && path.endsWith('/stream')) return 'stream';
  return 'reads';
}

/**
 * Rate limits and time budgets of DESIGN.md §8 for every /api request. An SSE stream counts as one
 * read when it opens and has no budget (it is meant to last).
 */
export function protectApi(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const { config, logger, now } = deps;
  const stores =
    deps.rateLimits ??
    createRateLimitStores({ redisPrefix: config.RATE_LIMIT_REDIS_PREFIX, logger, now });
  const byToken = (c: Context<AppEnv>) => tokenKey(c, config.TRUST_PROXY);
  const byAddress = (c: Context<AppEnv>) => `address:${clientAddress(c, config.TRUST_PROXY)}`;
  const limits: Record<LimitName, MiddlewareHandler<AppEnv>> = {
    uploads: rateLimit('uploads', {
      limit: config.RATE_LIMIT_UPLOADS_PER_MIN,
      key: byToken,
      stores,
      now,
    }),
    ingest: rateLimit('ingest', {
      limit: config.RATE_LIMIT_INGEST_PER_MIN,
      key: byToken,
      stores,
      now,
    }),
    reads: rateLimit('reads', {
      limit: config.RATE_LIMIT_READS_PER_MIN,
      key: byAddress,
      stores,
      now,
    }),
    admin: rateLimit('admin', {
      limit: config.RATE_LIMIT_ADMIN_PER_MIN,
      key: byAddress,
      stores,
      now,
    }),
    logins: rateLimit('logins', {
      limit: config.RATE_LIMIT_LOGINS_PER_MIN,
      key: byAddress,
      stores,
      now,
    }),
  };
  const ingestDeadline = requestDeadline(config.INGEST_TIMEOUT_MS);
  const readDeadline = requestDeadline(config.READ_TIMEOUT_MS);
  const noDeadline: MiddlewareHandler<AppEnv> = (_c, next) => next();
  const deadlines: Record<RequestKind, MiddlewareHandler<AppEnv>> = {
    uploads: ingestDeadline,
    ingest: ingestDeadline,
    reads: readDeadline,
    logins: readDeadline,
    // Deleting a project with years of history may rightly take long; streams are meant to last.
    admin: noDeadline,
    stream: noDeadline,
  };

  return async (c, next) => {
    const kind = kindOf(c.req.method, c.req.path);
    const limit = limits[kind === 'stream' ? 'reads' : kind];
    await limit(c, async () => {
      await deadlines[kind](c, next);
    });
  };
}
