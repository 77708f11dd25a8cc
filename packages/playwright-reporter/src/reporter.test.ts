import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  liveEventBatchSchema,
  liveSetupSchema,
  liveTeardownSchema,
} from '@flackyness/shared/ingest';
import type {
  FullConfig,
  FullResult,
  Suite,
  TestCase,
  TestResult,
} from '@playwright/test/reporter';
import { describe, expect, it } from 'vitest';
import type { PostJson } from './http-client.ts';
import FlackynessReporter from './index.ts';
import { REPORTER_VERSION } from './version.ts';

const rootDir = path.resolve('/repo/e2e');

/** Just enough of Playwright's objects: one project, one file, two tests. */
function fakeRun() {
  const file = path.join(rootDir, 'cart.spec.ts');
  const projectSuite = {
    title: 'alpha',
    suites: [] as unknown[],
    tests: [],
    project: () => ({ name: 'alpha' }),
  };
  const describeSuite = {
    title: 'cart',
    location: { file, line: 3, column: 1 },
    suites: [],
    tests: [] as TestCase[],
    project: () => ({ name: 'alpha' }),
  };
  const makeTest = (id: string, title: string, line: number) =>
    ({
      id,
      title,
      location: { file, line, column: 5 },
      parent: describeSuite,
      titlePath: () => ['', 'alpha', 'cart.spec.ts', 'cart', title],
      expectedStatus: 'passed',
      retries: 1,
      tags: ['@cart'],
      annotations: [{ type: 'issue', description: 'x' }],
      results: [] as TestResult[],
      outcome: () => 'unexpected',
    }) as unknown as TestCase;
  const ran = makeTest('t-ran', 'adds', 4);
  const never = makeTest('t-never', 'removes', 8);
  describeSuite.tests.push(ran, never);
  const fileSuite = {
    title: 'cart.spec.ts',
    location: { file, line: 0, column: 0 },
    suites: [describeSuite],
    tests: [],
  };
  projectSuite.suites.push(fileSuite);
  const root = { suites: [projectSuite], allTests: () => [ran, never] } as unknown as Suite;
  const config = {
    rootDir,
    version: '1.65.1',
    shard: { current: 2, total: 3 },
  } as unknown as FullConfig;
  return { ran, never, root, config };
}

function fakeServer() {
  const sent: { path: string; body: unknown }[] = [];
  const post: PostJson = async (p, body) => {
    sent.push({ path: p, body: structuredClone(body) });
    if (p.endsWith('/setup'))
      return { status: 201, body: { sessionId: 's', runId: '1', url: 'http://f/runs/1' } };
    if (p.endsWith('/event')) return { status: 202, body: {} };
    return { status: 200, body: { run: { id: '1' }, url: 'http://f/runs/1' } };
  };
  return { sent, post };
}

const fullResult = {
  status: 'failed',
  startTime: new Date('2026-01-01T00:00:00Z'),
  duration: 1234.5,
} as FullResult;

describe('FlackynessReporter', () => {
  it('sends setup, every hook as an event, and teardown with the tests that never ran', async () => {
    const server = fakeServer();
    const lines: string[] = [];
    const reporter = new FlackynessReporter(
      { url: 'http://f', token: 't', flushIntervalMs: 10, environment: 'ci' },
      {
        env: { GITLAB_CI: 'true', CI_PIPELINE_ID: '5', CI_JOB_NAME: 'e2e' },
        post: server.post,
        writeStderr: (l) => lines.push(l),
      },
    );
    expect(reporter.printsToStdio()).toBe(false);
    const { ran, root, config } = fakeRun();
    reporter.onBegin(config, root);
    const result = {
      retry: 0,
      status: 'failed',
      duration: 12,
      startTime: new Date('2026-01-01T00:00:01Z'),
      error: { message: 'boom', snippet: 's' },
    } as unknown as TestResult;
    reporter.onTestBegin(ran, result);
    reporter.onStdOut(Buffer.from('out\n'), ran, result);
    reporter.onStdErr('err\n');
    reporter.onTestEnd(ran, result);
    reporter.onError({ message: 'worker crashed', location: { file: 'x', line: 1, column: 1 } });
    expect(await reporter.onEnd(fullResult)).toBeUndefined();

    const setup = liveSetupSchema.parse(server.sent[0]?.body);
    expect(setup).toMatchObject({
      reporterVersion: REPORTER_VERSION,
      playwrightVersion: '1.65.1',
      totalTests: 2,
      environment: 'ci',
      shard: { current: 2, total: 3 },
      ci: { provider: 'gitlab', pipeline: '5', job: 'e2e' },
    });
    const events = server.sent
      .filter((s) => s.path.endsWith('/event'))
      .flatMap((s) => liveEventBatchSchema.parse(s.body).events);
    expect(events.map((e) => e.type)).toEqual(['test-begin', 'log', 'log', 'test-end', 'status']);
    expect(events[1]).toEqual({
      type: 'log',
      stream: 'stdout',
      chunk: 'out\n',
      testId: 't-ran',
      retry: 0,
    });
    expect(events[2]).toEqual({ type: 'log', stream: 'stderr', chunk: 'err\n' });
    expect(events[3]).toEqual({
      type: 'test-end',
      testId: 't-ran',
      title: 'adds',
      titlePath: ['cart', 'adds'],
      file: 'cart.spec.ts',
      line: 4,
      column: 5,
      projectName: 'alpha',
      retry: 0,
      status: 'failed',
      duration: 12,
      startTime: '2026-01-01T00:00:01.000Z',
      error: { message: 'boom' },
      expectedStatus: 'passed',
      outcome: 'unexpected',
      willRetry: true,
      tags: ['@cart'],
      annotations: [{ type: 'issue', description: 'x' }],
      order: 0,
      specId: 't-ran',
    });
    expect(events[4]).toEqual({ type: 'status', error: { message: 'worker crashed' } });
    const teardown = liveTeardownSchema.parse(server.sent.at(-1)?.body);
    expect(teardown).toEqual({
      sessionId: 's',
      status: 'failed',
      summary: {
        startTime: '2026-01-01T00:00:00.000Z',
        duration: 1234.5,
        lastSeq: expect.any(Number),
        notRun: [
          {
            testId: 't-never',
            title: 'removes',
            titlePath: ['cart', 'removes'],
            file: 'cart.spec.ts',
            line: 8,
            column: 5,
            projectName: 'alpha',
            expectedStatus: 'passed',
            tags: ['@cart'],
            annotations: [{ type: 'issue', description: 'x' }],
            order: 1,
            specId: 't-never',
          },
        ],
      },
    });
    expect(lines).toEqual(['Flackyness: run http://f/runs/1\n']);
  });

  it('with no url or token, says so once and does nothing else', async () => {
    const lines: string[] = [];
    const server = fakeServer();
    const reporter = new FlackynessReporter(
      { token: 't' },
      { env: {}, post: server.post, writeStderr: (l) => lines.push(l) },
    );
    const { ran, root, config } = fakeRun();
    reporter.onBegin(config, root);
    reporter.onTestEnd(ran, {
      retry: 0,
      status: 'passed',
      duration: 1,
      startTime: new Date(),
    } as TestResult);
    expect(await reporter.onEnd(fullResult)).toBeUndefined();
    expect(server.sent).toEqual([]);
    expect(lines).toEqual([
      'Flackyness: no url configured (FLACKYNESS_URL, FLACKYNESS_TOKEN): live results are not sent.\n',
    ]);
  });

  it('does nothing under --list', async () => {
    const lines: string[] = [];
    const server = fakeServer();
    const reporter = new FlackynessReporter({ _mode: 'list' } as object, {
      env: {},
      post: server.post,
      writeStderr: (l) => lines.push(l),
    });
    const { root, config } = fakeRun();
    reporter.onBegin(config, root);
    await reporter.onEnd(fullResult);
    expect([server.sent, lines]).toEqual([[], []]);
  });

  it('never throws from a hook, whatever Playwright hands it', async () => {
    const throwing: PostJson = () => {
      throw new Error('sync throw');
    };
    const reporter = new FlackynessReporter(
      { url: 'http://f', token: 't' },
      { env: {}, post: throwing, writeStderr: () => undefined },
    );
    const broken = null as unknown as TestCase;
    expect(() => reporter.onBegin({} as FullConfig, {} as Suite)).not.toThrow();
    expect(() => reporter.onTestBegin(broken, null as unknown as TestResult)).not.toThrow();
    expect(() => reporter.onTestEnd(broken, null as unknown as TestResult)).not.toThrow();
    expect(() => reporter.onStdOut(null as unknown as string)).not.toThrow();
    expect(() => reporter.onError(null as unknown as { message: string })).not.toThrow();
    await expect(reporter.onEnd(null as unknown as FullResult)).resolves.toBeUndefined();
  });

  it('reports the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(REPORTER_VERSION).toBe(pkg.version);
  });
});
