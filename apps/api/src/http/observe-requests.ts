import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createMetrics } from './metrics.ts';
import type { AppDeps, AppEnv } from './types.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Counts and times every request by the route pattern Hono matched (`/api/v1/runs/:runId`, never
 * the raw path, so the label's values stay few), in memory: no I/O on a request's path. Makes the
 * app's metrics available to the routes as `c.get('metrics')`.
 */
export function observeRequests(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const metrics =
    deps.metrics ??
    createMetrics({ database: deps.database, hub: deps.live.hub, ingest: deps.ingestSlots });
  return async (c, next) => {
    c.set('metrics', metrics);
    const began = performance.now();
    await next();
    const labels = {
      route: routePattern(c),
      method: METHODS.has(c.req.method) ? c.req.method : 'OTHER',
      status: String(c.res.status),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, (performance.now() - began) / 1000);
  };
}

/** The endpoint's pattern: the last route matched for the request's method (middleware is
 *  registered for every method); `unmatched` when only middleware matched (a 404). */
function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== 'ALL') return route.path;
  }
  return 'unmatched';
}
