import { createApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import type { TestApp } from './harness.ts';

/** Dashboard sessions as the session tests open and present them. */

export interface Viewer {
  kind: 'admin' | 'project';
  projectId?: string;
  projectSlug?: string;
  projectName?: string;
}

export interface LoginAnswer {
  session: string;
  expiresAt: string;
  viewer: Viewer;
}

export function login(t: Pick<TestApp, 'request'>, body: unknown): Promise<Response> {
  return t.request('/api/v1/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Logs in with `token`, expecting success. */
export async function openSession(
  t: Pick<TestApp, 'request'>,
  token: string,
): Promise<LoginAnswer> {
  const response = await login(t, { token });
  if (response.status !== 201) {
    throw new Error(`login: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as LoginAnswer;
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
export const cookie = (secret: string) => ({ cookie: `theme=dark; flk_session=${secret}` });

/**
 * Another app on the test app's database, as after a restart with another ADMIN_TOKEN or other
 * settings, or on a moved clock.
 */
export function appOnSameDatabase(
  t: TestApp,
  options: { adminToken?: string; now?: () => Date; config?: Partial<Config> },
): Pick<TestApp, 'request'> {
  const app = createApp({
    config: { ...t.config, ...options.config },
    database: t.database,
    logger: createLogger('silent'),
    adminToken: options.adminToken ?? t.adminToken,
    startedAt: new Date(),
    now: options.now ?? (() => new Date()),
    live: t.live,
    encryptionKeys: t.encryptionKeys,
  });
  return { request: async (path, init) => app.request(path, init) };
}
