import { readFileSync } from 'node:fs';
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestError as PlaywrightError,
  TestResult,
} from '@playwright/test/reporter';
import { detectCi } from './ci.ts';
import type { Env } from './ci.ts';
import { createHttpClient } from './http-client.ts';
import type { PostJson } from './http-client.ts';
import { computeJsonPlaces } from './json-order.ts';
import type { JsonPlace } from './json-order.ts';
import { LiveSession } from './live-session.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import { resolveOptions } from './options.ts';
import type { FlackynessReporterOptions, ResolvedOptions } from './options.ts';
import { MAX_LOG_CHUNK } from './protocol.ts';
import type { AttemptStatus, LiveEvent, NotRunTest, RunStatus, TestFields } from './protocol.ts';
import {
  describeTest,
  splitChunk,
  toWireAnnotations,
  toWireError,
  toWireTags,
} from './test-fields.ts';
import { REPORTER_VERSION } from './version.ts';

/** What tests may replace: the environment, the transport, stderr. */
export interface ReporterDeps {
  env?: Env;
  readFile?: (path: string) => string;
  post?: PostJson;
  writeStderr?: (line: string) => void;
}

/** Playwright passes these next to the user's options; `_mode` is 'list' for `--list`. */
interface PlaywrightInjectedOptions {
  _mode?: string;
}

interface TestInfo {
  fields: TestFields;
  place: JsonPlace;
}

/**
 * Streams a Playwright run to Flackyness as it happens (DESIGN.md §6). Every hook is guarded:
 * whatever the server or this code does, the test run and its exit code stay the same.
 */
export default class FlackynessReporter implements Reporter {
  private readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly env: Env;
  private readonly deps: ReporterDeps;
  private session: LiveSession | undefined;
  private rootDir = '';
  private rootSuite: Suite | undefined;
  private readonly tests = new Map<TestCase, TestInfo>();
  private readonly ended = new Set<TestCase>();

  constructor(options: FlackynessReporterOptions = {}, deps: ReporterDeps = {}) {
    this.deps = deps;
    this.env = deps.env ?? process.env;
    this.options = resolveOptions(options ?? {}, this.env);
    this.log = createLogger(this.options.debug, deps.writeStderr);
    if ((options as PlaywrightInjectedOptions | undefined)?._mode === 'list') return;
    const { url, token } = this.options;
    if (!url || !token) {
      const missing = !url && !token ? 'url and token' : !url ? 'url' : 'token';
      this.log.warnOnce(
        'config',
        `no ${missing} configured (FLACKYNESS_URL, FLACKYNESS_TOKEN): live results are not sent.`,
      );
      return;
    }
    this.session = new LiveSession({
      post: deps.post ?? createHttpClient(url, token),
      log: this.log,
      url,
      maxBatchSize: this.options.maxBatchSize,
      flushIntervalMs: this.options.flushIntervalMs,
      maxQueuedEvents: this.options.maxQueuedEvents,
    });
  }

  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.guard('onBegin', () => {
      if (!this.session) return;
      this.rootDir = config.rootDir;
      this.rootSuite = suite;
      const places = computeJsonPlaces(config.rootDir, config.version, suite.suites);
      for (const test of suite.allTests()) {
        this.tests.set(test, {
          fields: describeTest(test, config.rootDir),
          place: places.get(test) ?? { order: 0, specId: test.id },
        });
      }
      const { runName, environment } = this.options;
      this.session.start({
        framework: 'playwright',
        reporterVersion: REPORTER_VERSION,
        playwrightVersion: config.version?.slice(0, 50),
        totalTests: this.tests.size,
        ...(runName ? { runName } : {}),
        ...(environment ? { environment } : {}),
        shard: config.shard ? { current: config.shard.current, total: config.shard.total } : null,
        startedAt: new Date().toISOString(),
        ci: detectCi(this.env, this.deps.readFile ?? ((file) => readFileSync(file, 'utf8'))),
      });
    });
  }

  onTestBegin(test: TestCase, result: TestResult): void {
    this.guard('onTestBegin', () => {
      if (!this.session) return;
      this.session.enqueue({
        type: 'test-begin',
        ...this.infoOf(test).fields,
        retry: result.retry,
        startTime: isoTime(result.startTime),
      });
    });
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.guard('onTestEnd', () => {
      if (!this.session) return;
      this.ended.add(test);
      const { fields, place } = this.infoOf(test);
      const status = result.status;
      const failed =
        status !== test.expectedStatus && status !== 'skipped' && status !== 'interrupted';
      this.session.enqueue({
        type: 'test-end',
        ...fields,
        retry: result.retry,
        status,
        duration: Math.max(0, result.duration),
        startTime: isoTime(result.startTime),
        ...(result.error ? { error: toWireError(result.error) } : {}),
        expectedStatus: test.expectedStatus,
        outcome: test.outcome(),
        willRetry: failed && result.retry < test.retries,
        tags: toWireTags(test.tags),
        annotations: toWireAnnotations(test.annotations),
        order: place.order,
        specId: place.specId,
      });
    });
  }

  onStdOut(chunk: string | Buffer, test?: TestCase, result?: TestResult): void {
    this.guard('onStdOut', () => this.enqueueLog('stdout', chunk, test, result));
  }

  onStdErr(chunk: string | Buffer, test?: TestCase, result?: TestResult): void {
    this.guard('onStdErr', () => this.enqueueLog('stderr', chunk, test, result));
  }

  onError(error: PlaywrightError): void {
    this.guard('onError', () => {
      this.session?.enqueue({ type: 'status', error: toWireError(error) });
    });
  }

  async onEnd(result: FullResult): Promise<void> {
    try {
      if (!this.session) return;
      const notRun: NotRunTest[] = [];
      for (const [test, { fields, place }] of this.tests) {
        if (this.ended.has(test)) continue;
        notRun.push({
          ...fields,
          expectedStatus: test.expectedStatus as AttemptStatus,
          tags: toWireTags(test.tags),
          annotations: toWireAnnotations(test.annotations),
          order: place.order,
          specId: place.specId,
        });
      }
      notRun.sort((a, b) => a.order - b.order);
      const { runUrl } = await this.session.finish(
        {
          status: result.status as RunStatus,
          summary: {
            startTime: isoTime(result.startTime),
            duration: Math.max(0, result.duration),
            notRun,
          },
        },
        this.options.timeoutMs,
      );
      if (runUrl) this.log.info(`run ${runUrl}`);
    } catch (error) {
      this.log.debug(`onEnd: ${String(error)}`);
    }
  }

  /** Tests added after onBegin (none in practice) get their fields on first sight. */
  private infoOf(test: TestCase): TestInfo {
    let info = this.tests.get(test);
    if (!info) {
      info = { fields: describeTest(test, this.rootDir), place: { order: 0, specId: test.id } };
      this.tests.set(test, info);
    }
    return info;
  }

  private enqueueLog(
    stream: 'stdout' | 'stderr',
    chunk: string | Buffer,
    test: TestCase | undefined,
    result: TestResult | undefined,
  ): void {
    if (!this.session) return;
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const piece of splitChunk(text, MAX_LOG_CHUNK)) {
      const event: LiveEvent = { type: 'log', stream, chunk: piece };
      if (test) event.testId = test.id;
      if (result) event.retry = result.retry;
      this.session.enqueue(event);
    }
  }

  private guard(hook: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.log.debug(
        `${hook}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
}

function isoTime(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}
