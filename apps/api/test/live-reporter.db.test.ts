import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaywright } from '../../../packages/playwright-reporter/test/run-playwright.ts';
import { createProject, startTestApp, uploadReport, type TestApp } from './harness.ts';
import {
  ensureReporterBuilt,
  gitlabJob,
  gitlabUploadQuery,
  listen,
  reporterEntry,
  reporterFixtureConfig,
  type Listening,
} from './live-reporter.ts';
import { flakyTable, storedRun } from './live-session.ts';

/**
 * The real Playwright CLI with two reporters, `json` and ours: the run our reporter streamed and
 * the upload of the JSON report, each in a project of its own, are stored identically (DESIGN.md
 * §6). Then a batch the server stored but answered 500 to: retried, applied once.
 */

let t: TestApp;
let server: Listening;
beforeAll(async () => {
  ensureReporterBuilt();
  t = await startTestApp();
  server = await listen(t);
}, 180_000);
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function onlyRun(projectId: string): Promise<{ id: string; source: string; status: string }> {
  const rows = await t.database.sql<{ id: string; source: string; status: string }[]>`
    select id::text, source, status from runs where project_id = ${projectId}`;
  expect(rows).toHaveLength(1);
  return rows[0] as { id: string; source: string; status: string };
}

describe('the reporter against the real server', () => {
  it('parity: the streamed run and the uploaded JSON report of the same run are stored alike', async () => {
    const live = await createProject(t);
    const uploaded = await createProject(t);
    const run = await runPlaywright({
      config: reporterFixtureConfig,
      reporters: ['json', reporterEntry],
      env: { ...gitlabJob('4242'), FLACKYNESS_URL: server.url, FLACKYNESS_TOKEN: live.token },
    });
    // Failures in the fixture: exit code 1, as without our reporter.
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.jsonReport).toBeDefined();
    const upload = await uploadReport(t, uploaded.token, run.jsonReport, {
      query: gitlabUploadQuery('4242'),
    });
    expect(upload.status).toBe(201);

    const liveRun = await onlyRun(live.project.id);
    const uploadedRun = await onlyRun(uploaded.project.id);
    expect(liveRun).toMatchObject({ source: 'live', status: 'failed' });
    const [streamed, reference] = [
      await storedRun(t, liveRun.id),
      await storedRun(t, uploadedRun.id),
    ];
    expect(streamed.results.length).toBeGreaterThan(10);
    expect(streamed).toEqual(reference);
    expect(await flakyTable(t, live.token, live.project.id)).toEqual(
      await flakyTable(t, uploaded.token, uploaded.project.id),
    );
  });

  it('a batch stored but answered 500 is sent again and applied once', async () => {
    const { token, project } = await createProject(t);
    const target = new URL(server.url);
    let failed = 0;
    // Forwards everything; the first event batch is forwarded (and stored), then answered 500.
    const proxy = createServer((req, res) => {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          if (req.url === '/api/v1/ingest/event' && failed === 0) {
            failed++;
            answer.resume();
            answer.on('end', () => {
              res.writeHead(500, { 'content-type': 'application/json' });
              res.end('{"error":{"code":"internal_error","message":"injected"}}');
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const run = await runPlaywright({
        config: reporterFixtureConfig,
        reporters: ['json', reporterEntry],
        env: {
          ...gitlabJob('4343'),
          FLACKYNESS_URL: proxyUrl,
          FLACKYNESS_TOKEN: token,
          FLACKYNESS_FLUSH_INTERVAL_MS: '200',
          FLACKYNESS_MAX_BATCH_SIZE: '5',
        },
      });
      expect(run.exitCode, run.stderr).toBe(1);
      expect(failed).toBe(1);
      const attempts = (run.jsonReport?.suites ?? [])
        .flatMap(function specs(suite): { tests: { results: unknown[] }[] }[] {
          return [...(suite.specs ?? []), ...(suite.suites ?? []).flatMap(specs)];
        })
        .flatMap((spec) => spec.tests)
        .reduce((sum, test) => sum + test.results.length, 0);
      const [{ ends }] = (await t.database.sql`
        select count(*)::int as ends from live_events
        where project_id = ${project.id} and kind = 'test-end'`) as unknown as [{ ends: number }];
      expect(ends).toBe(attempts);
      const liveRun = await onlyRun(project.id);
      expect(liveRun.status).toBe('failed');
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
