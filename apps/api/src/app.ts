import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { refuseCrossSiteCookieWrites } from './http/cross-site.ts';
import { renderError, renderNotFound } from './http/errors.ts';
import { observeRequests } from './http/observe-requests.ts';
import { protectApi } from './http/protection.ts';
import type { AppDeps, AppEnv } from './http/types.ts';
import { adminRoutes } from './routes/admin.ts';
import { errorRoutes } from './routes/errors.ts';
import { flakyTestRoutes } from './routes/flaky-tests.ts';
import { healthRoutes } from './routes/health.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { projectStatsRoutes } from './routes/project-stats.ts';
import { projectRoutes } from './routes/projects.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { reportRoutes } from './routes/reports.ts';
import { securityTxtRoutes } from './routes/security-txt.ts';
import { runRoutes } from './routes/runs.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { streamRoutes } from './routes/streams.ts';
import { testRoutes } from './routes/tests.ts';
import { IngestSlots } from './http/ingest-slots.ts';

/** Builds the HTTP app from resolved dependencies; no I/O happens here. */
export function createApp(given: AppDeps): Hono<AppEnv> {
  const deps: AppDeps = {
    ...given,
    ingestSlots: given.ingestSlots ?? IngestSlots.fromConfig(given.config),
  };
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    const logger = deps.logger.child({ requestId });
    c.set('deps', deps);
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.header('x-request-id', requestId);
    const began = performance.now();
    await next();
    if (deps.config.LOG_REQUESTS) {
      logger.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - began) * 10) / 10,
        },
        'request',
      );
    }
  });
  app.use('*', observeRequests(deps));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
      // Only where the public address is https: HSTS sent over plain http would be ignored, and
      // a browser remembering it would lock out a later http start.
      strictTransportSecurity: deps.config.publicUrl.startsWith('https:')
        ? 'max-age=31536000; includeSubDomains'
        : false,
    }),
  );
  if (deps.config.CORS_ORIGINS.length > 0) {
    // Tokens are sent as headers, never as cookies: no credentials across origins.
    app.use(
      '/api/*',
      cors({
        origin: deps.config.CORS_ORIGINS,
        credentials: false,
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
        allowHeaders: [
          'authorization',
          'content-type',
          'content-encoding',
          'x-api-key',
          'idempotency-key',
          'last-event-id',
          'x-request-id',
        ],
        exposeHeaders: ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'x-request-id'],
        maxAge: 600,
      }),
    );
  }
  app.use('/api/*', refuseCrossSiteCookieWrites(deps.config.publicUrl));
  app.use('/api/*', protectApi(deps));

  app.route('/', healthRoutes);
  app.route('/', metricsRoutes);
  app.route('/', securityTxtRoutes);
  app.route('/api/v1/admin', adminRoutes);
  app.route('/api/v1/reports', reportRoutes);
  app.route('/api/v1/ingest', ingestRoutes);
  app.route('/api/v1', sessionRoutes);
  app.route('/api/v1', projectRoutes);
  app.route('/api/v1', runRoutes);
  app.route('/api/v1', flakyTestRoutes);
  app.route('/api/v1', projectStatsRoutes);
  app.route('/api/v1', testRoutes);
  app.route('/api/v1', errorRoutes);
  app.route('/api/v1', quarantineRoutes);
  app.route('/api/v1', streamRoutes);

  app.notFound(renderNotFound);
  app.onError(renderError);
  return app;
}
