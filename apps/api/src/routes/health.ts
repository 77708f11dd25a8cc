import { Hono } from 'hono';
import type { AppEnv } from '../http/types.ts';
import { pingDatabase } from '../http/metrics.ts';
import { errorBody } from '../errors.ts';

/** Operations endpoints: no credentials, no project data. */
export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get('/health', (c) => c.json({ status: 'ok' }));

/**
 * Whether to send traffic here: not while the server stops (load balancers move away before the
 * listener closes), nor while the database is unreachable (a restart: ready again by itself, since
 * the driver reconnects). Answers within a couple of seconds either way.
 */
healthRoutes.get('/ready', async (c) => {
  const { lifecycle, database } = c.get('deps');
  if (lifecycle?.draining) {
    return c.json(errorBody('service_unavailable', 'Shutting down'), 503);
  }
  if (await pingDatabase(database)) return c.json({ status: 'ready' });
  c.get('metrics').databaseCheckFailures.inc({ check: 'ready' });
  return c.json(errorBody('service_unavailable', 'Database unreachable'), 503);
});
