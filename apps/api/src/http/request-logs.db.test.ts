import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReport } from '../../test/fixtures/reports.ts';
import { SseReader } from '../../test/sse-client.ts';
import { startTestApp, uploadReport, type TestApp } from '../../test/harness.ts';
import { createLogger } from '../logger.ts';
import { generateEncryptionKey } from '../scm/token-keys.ts';

/**
 * The request log (DESIGN.md §8): one JSON line per request with its request id, SSE included (its
 * line is written when the stream opens, with status 200), and no credential in any line, whatever
 * the request carried.
 */
describe('request logs', () => {
  const lines: string[] = [];
  const encryptionKey = generateEncryptionKey();
  const metricsToken = 'metrics_secret_7f3a9c1e5b2d4f60';
  const providerToken = 'ghp_providerSecret0123456789abcdefABCDEF';
  const cookieSecret = 'flks_cookieSecretValue0123456789abcdef';
  const wrongToken = 'flk_notARealTokenButSecretLooking0123456789';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_REQUESTS: 'true', ENCRYPTION_KEY: encryptionKey, METRICS_TOKEN: metricsToken },
      logger: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes one line per request and no secret', async () => {
    const ids: string[] = [];
    const send = async (path: string, init: RequestInit = {}) => {
      const id = `log-test-${ids.length}`;
      ids.push(id);
      const headers = new Headers(init.headers);
      headers.set('x-request-id', id);
      return t.request(path, { ...init, headers });
    };
    const admin = { authorization: `Bearer ${t.adminToken}` };

    const created = await send('/api/v1/admin/projects', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Logged' }),
    });
    const { project, token } = (await created.json()) as {
      project: { id: string; slug: string };
      token: string;
    };
    ids.push('upload');
    const upload = await uploadReport(t, token, loadReport('basic'), {
      headers: { 'x-request-id': 'upload', 'x-api-key': token, authorization: `Bearer ${token}` },
    });
    expect(upload.status).toBe(201);
    const integration = await send(`/api/v1/admin/projects/${project.slug}/integrations/github`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ token: providerToken, repository: 'acme/web' }),
    });
    expect(integration.status).toBeLessThan(300);
    expect((await send('/api/v1/projects', { headers: { 'x-api-key': wrongToken } })).status).toBe(
      401,
    );
    expect(
      (await send('/api/v1/projects', { headers: { cookie: `flk_session=${cookieSecret}` } }))
        .status,
    ).toBe(401);
    expect(
      (await send('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } })).status,
    ).toBe(200);
    expect(
      (await send('/metrics', { headers: { authorization: `Bearer ${wrongToken}` } })).status,
    ).toBe(401);
    expect((await send('/no/such/page')).status).toBe(404);
    const stream = await send(`/api/v1/projects/${project.id}/stream`, { headers: admin });
    expect(stream.status).toBe(200);
    const sse = new SseReader(stream);
    await sse.close();

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const id of ids) {
      const requestLines = entries.filter((e) => e.msg === 'request' && e.requestId === id);
      expect(requestLines, id).toHaveLength(1);
    }
    const text = lines.join('\n');
    for (const secret of [
      t.adminToken,
      token,
      providerToken,
      cookieSecret,
      wrongToken,
      metricsToken,
      encryptionKey,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
