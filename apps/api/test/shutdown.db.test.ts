import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../bench/synthetic-report.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';

const ADMIN = 'admin-shutdown-0123456789abcdef';
const SHUTDOWN_TIMEOUT_MS = 20_000;

/** The raw bytes of an SSE stream until it ends (the retry hint is not a message). */
async function readStream(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const state = { text: '', ended: false };
  const pumping = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      state.text += decoder.decode(value, { stream: true });
    }
    state.ended = true;
  })();
  return { state, pumping };
}

/** Posts `body` in two halves; the second is sent when `rest` is called. */
function uploadInTwoHalves(url: string, token: string, body: Buffer) {
  let answer: Promise<{ status: number; body: string }> = Promise.resolve({ status: 0, body: '' });
  const req = request(`${url}/api/v1/reports`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
    },
  });
  answer = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  return {
    answer: () => answer,
    rest: () => req.end(body.subarray(half)),
  };
}

describe('graceful shutdown (SIGTERM)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('finishes the upload in flight, ends SSE streams with a retry hint, and exits 0', async () => {
    let env: Record<string, string> = {
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
    if (dbMode === 'postgres') {
      const database = await createIsolatedDatabase();
      cleanups.push(() => database.drop());
      env = { ...env, DATABASE_URL: database.url };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'flk-shutdown-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      env = { ...env, DATA_DIR: dir };
    }
    const server: RunningServer = await startServer({ env });
    cleanups.push(() => server.stop());
    const { project, token } = await createProjectOn(server.url, ADMIN, 'Stopping');
    const sse = await readStream(`${server.url}/api/v1/projects/${project.id}/stream`, {
      authorization: `Bearer ${ADMIN}`,
    });
    const report = syntheticReport({ tests: 8000, startTime: new Date(), runIndex: 1 });
    const upload = uploadInTwoHalves(server.url, token, Buffer.from(JSON.stringify(report)));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const signalledAt = Date.now();
    process.kill(server.pid, 'SIGTERM');
    // The listener closes: a new connection is refused.
    const deadline = Date.now() + 5000;
    for (;;) {
      const refused = await fetch(`${server.url}/health`).then(
        () => false,
        () => true,
      );
      if (refused) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Open streams end with the hint to reconnect (elsewhere).
    await sse.pumping;
    expect(sse.state.ended).toBe(true);
    expect(sse.state.text).toMatch(/retry: 500\n\n$/);

    // The upload in flight completes and is stored.
    upload.rest();
    const answer = await upload.answer();
    expect(answer.status, answer.body).toBe(201);
    const runId = (JSON.parse(answer.body) as { run: { id: string } }).run.id;

    expect(await server.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const again = await startServer({ env });
    cleanups.push(() => again.stop());
    const run = await fetch(`${again.url}/api/v1/runs/${runId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(run.status).toBe(200);
    expect(((await run.json()) as { run: { totals: { total: number } } }).run.totals.total).toBe(
      8000,
    );
  });
});
