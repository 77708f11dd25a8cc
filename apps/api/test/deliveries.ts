import { createLogger, type Logger } from '../src/logger.ts';
import type { DeliveryWorker } from '../src/scm/delivery-worker.ts';
import { startConfiguredDeliveries } from '../src/scm/start-deliveries.ts';
import {
  adminHeaders,
  createIsolatedDatabase,
  dbMode,
  startTestApp,
  uploadReport,
  type TestApp,
  type TestAppOptions,
} from './harness.ts';
import { loadReport, type ReportName } from './fixtures/reports.ts';

/** A commit the fake platforms' pull requests have at their head, and the uploads name. */
export const HEAD_SHA = '4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b';

/**
 * A test app on a database of its own: its outbox worker claims every due delivery of the
 * database, so another file's deliveries on the shared PostgreSQL test database must not be there.
 */
export async function startOutboxApp(options: TestAppOptions = {}): Promise<TestApp> {
  if (dbMode !== 'postgres') return startTestApp(options);
  const isolated = await createIsolatedDatabase();
  const t = await startTestApp({ ...options, databaseUrl: isolated.url });
  return {
    ...t,
    async close() {
      await t.close();
      await isolated.drop();
    },
  };
}

/** Connects a project to a (fake) platform through the admin API. */
export async function connectIntegration(
  t: TestApp,
  project: string,
  provider: 'github' | 'gitlab' | 'azure',
  body: {
    token: string;
    baseUrl: string;
    repository: string;
    comments?: boolean;
    statuses?: boolean;
  },
): Promise<void> {
  const response = await t.request(`/api/v1/admin/projects/${project}/integrations/${provider}`, {
    method: 'PUT',
    headers: adminHeaders(t, { 'content-type': 'application/json' }),
    body: JSON.stringify(body),
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`integration: ${response.status} ${await response.text()}`);
  }
}

/** The outbox worker of a test app, polled by hand (`runOnce`), on the app's clock. */
export function startTestDeliveries(
  t: TestApp,
  now: () => Date,
  options: { random?: () => number; logger?: Logger } = {},
): DeliveryWorker {
  return startConfiguredDeliveries(t.config, {
    sql: t.database.sql,
    keys: t.encryptionKeys,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    now,
    pollMs: 0,
    random: options.random ?? (() => 0.5),
  });
}

let variants = 0;

/**
 * Uploads a fixture report as a job of a pull request's pipeline. Each upload is made different
 * by a millisecond of duration: the same bytes again would be the same upload (idempotent).
 */
export async function uploadForPr(
  t: TestApp,
  token: string,
  name: ReportName,
  meta: Record<string, string>,
): Promise<{ run: { id: string } }> {
  const report = loadReport(name) as { stats?: { duration: number } };
  if (report.stats) report.stats.duration += variants += 1;
  const response = await uploadReport(t, token, report, {
    query: { branch: 'feature/x', commit: HEAD_SHA, ciProvider: 'github', ...meta },
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`upload: ${response.status} ${await response.text()}`);
  }
  return response.json() as Promise<{ run: { id: string } }>;
}

export interface DeliveryDto {
  id: string;
  provider: string;
  repository: string;
  pr: string;
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  reason: string | null;
  httpStatus: number | null;
  commentUrl: string | null;
  statusState: string | null;
}

export async function runDeliveries(t: TestApp, runId: string): Promise<DeliveryDto[]> {
  const response = await t.request(`/api/v1/runs/${runId}`, { headers: adminHeaders(t) });
  const body = (await response.json()) as { deliveries: DeliveryDto[] };
  return body.deliveries;
}
