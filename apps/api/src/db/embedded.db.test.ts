import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../../bench/synthetic-report.ts';
import { createProject, dbMode, startTestApp, type TestApp } from '../../test/harness.ts';

/**
 * Embedded PGlite runs every query on the thread that calls it; it runs on a worker thread, so the
 * HTTP event loop stays free while a long upload is stored (issue #2).
 */
describe.skipIf(dbMode !== 'embedded')('the embedded database, off the event loop', () => {
  let t: TestApp;
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp();
    server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await t?.close();
  });

  it('answers /health while a 10,000-result upload is being stored', async () => {
    const { token } = await createProject(t);
    const body = JSON.stringify(
      syntheticReport({ tests: 10_000, startTime: new Date(), runIndex: 1 }),
    );
    let uploadDone = false;
    const upload = fetch(`${base}/api/v1/reports?pipeline=big`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }).then(async (response) => {
      uploadDone = true;
      return response.status;
    });

    // Health answers that arrive before the upload's own answer: the server keeps serving.
    let healthyWhileUploading = 0;
    while (!uploadDone) {
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      if (!uploadDone) healthyWhileUploading += 1;
    }
    expect(await upload).toBe(201);
    expect(healthyWhileUploading).toBeGreaterThan(1);
  }, 120_000);
});
