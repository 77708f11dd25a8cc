import { existsSync } from 'node:fs';
import {
  liveEventBatchSchema,
  liveSetupSchema,
  liveTeardownSchema,
} from '@flackyness/shared/ingest';
import type { LiveEvent, TestEndEvent } from '@flackyness/shared/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer } from './capture-server.ts';
import type { CaptureServer } from './capture-server.ts';
import { walkJsonReport } from './json-report-walk.ts';
import type { ReportTest } from './json-report-walk.ts';
import type { JSONReport } from '@playwright/test/reporter';
import { builtEsm, fixtureConfig } from './paths.ts';
import { runPlaywright } from './run-playwright.ts';
import type { PlaywrightRun } from './run-playwright.ts';

/**
 * The real Playwright CLI runs the fixture project (two projects, retries, failures, a flaky
 * test, skips, test.fail, nested and anonymous describes, tags, annotations, output) twice: with
 * the JSON reporter alone, and with the JSON reporter and ours against a capture server that
 * fails a few requests on purpose. What ours sent must describe the JSON report exactly.
 */
describe('a real Playwright run', () => {
  let server: CaptureServer;
  let repeatServer: CaptureServer;
  let repeated: PlaywrightRun;
  let stoppedServer: CaptureServer;
  let stopped: PlaywrightRun;
  let baseline: PlaywrightRun;
  let live: PlaywrightRun;
  let eventRequests = 0;
  let teardowns = 0;

  beforeAll(async () => {
    if (!existsSync(builtEsm)) throw new Error(`${builtEsm} is missing: run the build first`);
    server = await startCaptureServer((request) => {
      if (request.path === '/api/v1/ingest/event') {
        eventRequests++;
        if (eventRequests === 1) return { status: 500, body: { error: { code: 'internal' } } };
        if (eventRequests === 3) {
          return {
            status: 429,
            headers: { 'retry-after': '1' },
            body: { error: { code: 'rate_limited' } },
          };
        }
      }
      if (request.path === '/api/v1/ingest/teardown' && ++teardowns === 1) {
        return {
          status: 409,
          body: {
            error: { code: 'batches_missing', message: 'missing', details: { missing: [0] } },
          },
        };
      }
      return undefined;
    });
    repeatServer = await startCaptureServer();
    stoppedServer = await startCaptureServer();
    [baseline, live, repeated, stopped] = await Promise.all([
      runPlaywright({ config: fixtureConfig, reporters: ['json'] }),
      runPlaywright({
        config: fixtureConfig,
        reporters: ['json', builtEsm],
        env: {
          FLACKYNESS_URL: server.url,
          FLACKYNESS_TOKEN: 'secret-token',
          FLACKYNESS_FLUSH_INTERVAL_MS: '200',
          FLACKYNESS_MAX_BATCH_SIZE: '10',
          FLACKYNESS_RUN_NAME: 'fixture run',
        },
      }),
      runPlaywright({
        config: fixtureConfig,
        reporters: ['json', builtEsm],
        args: ['--repeat-each', '2', '--grep', 'second file'],
        env: { FLACKYNESS_URL: repeatServer.url, FLACKYNESS_TOKEN: 't' },
      }),
      runPlaywright({
        config: fixtureConfig,
        reporters: ['json', builtEsm],
        args: [
          'basics',
          '--project',
          'alpha',
          '--workers',
          '1',
          '--retries',
          '0',
          '--max-failures',
          '1',
        ],
        env: { FLACKYNESS_URL: stoppedServer.url, FLACKYNESS_TOKEN: 't' },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), repeatServer?.close(), stoppedServer?.close()]);
  });

  it('leaves the exit code as it was without the reporter', () => {
    expect(baseline.exitCode).toBe(1);
    expect(live.exitCode).toBe(baseline.exitCode);
    expect(live.jsonReport).toBeDefined();
  });

  it('sends bodies the server schemas accept, each with the token', () => {
    expect(server.requests.length).toBeGreaterThan(3);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe('Bearer secret-token');
      expect(request.headers['content-type']).toBe('application/json');
    }
    const [setup] = server.requestsTo('setup');
    const parsedSetup = liveSetupSchema.parse(setup?.body);
    expect(parsedSetup).toMatchObject({
      framework: 'playwright',
      runName: 'fixture run',
      playwrightVersion: live.jsonReport?.config.version,
      totalTests: walkJsonReport(live.jsonReport!).length,
      shard: null,
    });
    for (const request of server.requestsTo('event')) liveEventBatchSchema.parse(request.body);
    for (const request of server.requestsTo('teardown')) liveTeardownSchema.parse(request.body);
  });

  it('sends a batch again under the same seq after a 500 and a 429, and the seqs have no gap', () => {
    const events = server.requestsTo('event').map((r) => liveEventBatchSchema.parse(r.body));
    expect(events[1]).toEqual(events[0]);
    expect(events[3]).toEqual(events[2]);
    const seqs = [...new Set(events.map((batch) => batch.seq))].sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, index) => index));
    const teardown = server.requestsTo('teardown').map((r) => liveTeardownSchema.parse(r.body));
    expect(teardown).toHaveLength(2);
    expect(teardown[1]?.summary.lastSeq).toBe(seqs.length - 1);
    // After the 409 naming batch 0, batch 0 was sent again between the two teardowns.
    const lastBodies = server.requests.slice(-2).map((r) => r.path);
    expect(lastBodies).toEqual(['/api/v1/ingest/event', '/api/v1/ingest/teardown']);
    expect(liveEventBatchSchema.parse(server.requests.at(-2)?.body).seq).toBe(0);
  });

  it('reproduces every test and attempt of the JSON report, in its order', () => {
    const expected = expectSameAsJsonReport(live.jsonReport!, server);
    // One spec per declaration, its tests from both projects: the 1.65 layout.
    expect(new Set(expected.map((t) => t.specId)).size).toBeLessThan(expected.length);
  });

  it('puts --repeat-each copies where the JSON report does', () => {
    expect(repeated.exitCode).toBe(0);
    const expected = expectSameAsJsonReport(repeated.jsonReport!, repeatServer);
    // Each declaration: one spec, 2 projects × 2 repeats.
    const perSpec = new Map<string, number>();
    for (const t of expected) perSpec.set(t.specId, (perSpec.get(t.specId) ?? 0) + 1);
    expect(new Set(perSpec.values())).toEqual(new Set([4]));
  });

  it('after --max-failures, lists the tests that never ran as the JSON report has them', () => {
    expect(stopped.exitCode).toBe(1);
    const expected = walkJsonReport(stopped.jsonReport!);
    const neverRan = expected.filter((t) => t.test.results.length === 0);
    expect(neverRan.length).toBeGreaterThan(0);
    const teardown = liveTeardownSchema.parse(stoppedServer.requestsTo('teardown').at(-1)?.body);
    expect(
      teardown.summary.notRun.map((t) => ({
        order: t.order,
        file: t.file,
        titlePath: t.titlePath,
        projectName: t.projectName,
        specId: t.specId,
        expectedStatus: t.expectedStatus,
      })),
    ).toEqual(
      neverRan.map((t) => ({
        order: t.order,
        file: t.file,
        titlePath: t.titlePath,
        projectName: t.projectName,
        specId: t.specId,
        expectedStatus: t.test.expectedStatus,
      })),
    );
    const ran = new Set(
      uniqueEvents(stoppedServer).flatMap((e) => (e.type === 'test-end' ? [e.order] : [])),
    );
    expect([...ran].sort((a, b) => a - b)).toEqual(
      expected.filter((t) => t.test.results.length > 0).map((t) => t.order),
    );
    // "Testing stopped early after 1 maximum allowed failures" came through onError.
    const statuses = uniqueEvents(stoppedServer).filter((e) => e.type === 'status');
    expect(statuses.map((e) => e.error.message)).toEqual(
      stopped.jsonReport!.errors.map((e) => e.message),
    );
    expect(statuses.length).toBeGreaterThan(0);
  });

  it('carries tags, annotations, errors with their colours, and the output', () => {
    const ends = uniqueEvents(server).filter((e): e is TestEndEvent => e.type === 'test-end');
    const tagged = ends.find((e) => e.title === 'has a tag and annotations');
    expect(tagged?.tags).toEqual(['@slow']);
    expect(tagged?.annotations).toEqual([
      { type: 'issue', description: 'https://example.com/1' },
      { type: 'runtime', description: 'added while running' },
    ]);
    const failed = ends.find(
      (e) => e.title === 'fails every time in alpha' && e.status === 'failed',
    );
    expect(failed?.error?.message).toContain('\u001b[');
    expect(ends.find((e) => e.title === 'is skipped')?.annotations).toEqual([
      { type: 'skip', description: 'not today' },
    ]);
    const logs = uniqueEvents(server).filter((e) => e.type === 'log');
    const hello = logs.filter((e) => e.chunk.includes('hello from passes'));
    expect(hello).toHaveLength(2);
    expect(hello[0]).toMatchObject({ stream: 'stdout', retry: 0 });
    expect(hello[0]?.testId).toBeTruthy();
    expect(logs.some((e) => e.stream === 'stderr' && e.chunk.includes('about to fail'))).toBe(true);
    expect(logs.some((e) => e.chunk === 'bytes out\n')).toBe(true);
  });

  it('sends teardown with the run status and times, and prints the run page once', () => {
    const teardown = liveTeardownSchema.parse(server.requestsTo('teardown').at(-1)?.body);
    expect(teardown.status).toBe('failed');
    expect(teardown.summary.notRun).toEqual([]);
    expect(teardown.summary.startTime).toBe(live.jsonReport?.stats.startTime);
    expect(teardown.summary.duration).toBe(live.jsonReport?.stats.duration);
    const lines = live.stderr.split('\n').filter((line) => line.startsWith('Flackyness:'));
    expect(lines).toEqual([`Flackyness: run ${server.url}/runs/1`]);
  });
});

/** What the reporter sent describes the run's JSON report: every test, attempt and place. */
function expectSameAsJsonReport(report: JSONReport, server: CaptureServer): ReportTest[] {
  const expected = walkJsonReport(report);
  const ends = uniqueEvents(server).filter((e): e is TestEndEvent => e.type === 'test-end');
  const byOrder = new Map<number, TestEndEvent[]>();
  for (const end of ends) byOrder.set(end.order, [...(byOrder.get(end.order) ?? []), end]);
  expect([...byOrder.keys()].sort((a, b) => a - b)).toEqual(expected.map((t) => t.order));
  for (const test of expected) {
    const attempts = (byOrder.get(test.order) ?? []).sort((a, b) => a.retry - b.retry);
    const first = attempts[0]!;
    expect({
      file: first.file,
      titlePath: first.titlePath,
      projectName: first.projectName,
      specId: first.specId,
    }).toEqual({
      file: test.file,
      titlePath: test.titlePath,
      projectName: test.projectName,
      specId: test.specId,
    });
    expect(new Set(attempts.map((a) => a.testId)).size).toBe(1);
    expect(
      attempts.map((a) => ({
        retry: a.retry,
        status: a.status,
        duration: a.duration,
        startTime: a.startTime,
        errorMessage: a.error?.message,
      })),
    ).toEqual(
      test.test.results.map((r) => ({
        retry: r.retry,
        status: r.status,
        duration: r.duration,
        startTime: r.startTime,
        errorMessage: r.error?.message,
      })),
    );
    expect(attempts.at(-1)?.outcome).toBe(test.test.status);
    expect(attempts.at(-1)?.expectedStatus).toBe(test.test.expectedStatus);
    expect(attempts.map((a) => a.willRetry)).toEqual(
      attempts.map((_, i) => i < attempts.length - 1),
    );
  }
  return expected;
}

/** Every event the server took, once (batches sent again are counted once, by seq). */
function uniqueEvents(server: CaptureServer): LiveEvent[] {
  const bySeq = new Map<number, LiveEvent[]>();
  for (const request of server.requestsTo('event')) {
    const batch = liveEventBatchSchema.parse(request.body);
    bySeq.set(batch.seq, batch.events);
  }
  return [...bySeq.keys()].sort((a, b) => a - b).flatMap((seq) => bySeq.get(seq) ?? []);
}
