import { Hono } from 'hono';
import { sameSecret } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { ApiError } from '../errors.ts';

/** Prometheus scrapes (DESIGN.md §5, Operations): open, or behind METRICS_TOKEN when it is set. */
export const metricsRoutes = new Hono<AppEnv>();

metricsRoutes.get('/metrics', async (c) => {
  const expected = c.get('deps').config.METRICS_TOKEN;
  if (expected) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!presented || !sameSecret(presented, expected)) {
      throw new ApiError(
        'unauthorized',
        'GET /metrics requires "Authorization: Bearer <METRICS_TOKEN>"',
      );
    }
  }
  const metrics = c.get('metrics');
  return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType });
});
