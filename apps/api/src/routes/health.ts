import { Hono } from 'hono';
import type { AppEnv } from '../http/types.ts';
import { errorBody } from '../errors.ts';

/** Operations endpoints: no credentials, no project data. */
export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get('/health', (c) => c.json({ status: 'ok' }));

healthRoutes.get('/ready', async (c) => {
  try {
    await c.get('deps').database.sql`select 1`;
    return c.json({ status: 'ready' });
  } catch {
    return c.json(errorBody('service_unavailable', 'Database unreachable'), 503);
  }
});
