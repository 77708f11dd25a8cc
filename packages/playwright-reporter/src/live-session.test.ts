import { describe, expect, it } from 'vitest';
import type { HttpAnswer, PostJson } from './http-client.ts';
import { LiveSession } from './live-session.ts';
import type { LiveSessionOptions } from './live-session.ts';
import { createLogger } from './log.ts';
import type { LiveEvent, LiveEventBatch, LiveSetup, LiveTeardown } from './protocol.ts';

const setup: LiveSetup = {
  framework: 'playwright',
  reporterVersion: '0.1.0',
  totalTests: 1,
  ci: { provider: 'local' },
};
const teardown: Omit<LiveTeardown, 'sessionId'> = { status: 'passed', summary: { notRun: [] } };

interface Sent {
  path: string;
  body: unknown;
}

/** A scripted server: `answer` decides each reply (default: the happy path). */
function fakeServer(
  answer: (
    path: string,
    body: unknown,
    index: number,
  ) => HttpAnswer | Error | 'hang' | undefined = () => undefined,
) {
  const sent: Sent[] = [];
  const post: PostJson = (path, body, timeoutMs) => {
    const index = sent.push({ path, body: structuredClone(body) }) - 1;
    const planned = answer(path, body, index);
    if (planned === 'hang') {
      return new Promise((_, reject) => {
        setTimeout(() => reject(new Error('timeout')), timeoutMs).unref();
      });
    }
    if (planned instanceof Error) return Promise.reject(planned);
    if (planned) return Promise.resolve(planned);
    if (path.endsWith('/setup')) {
      return Promise.resolve({
        status: 201,
        body: { sessionId: 's1', runId: '7', url: 'http://x/runs/7' },
      });
    }
    if (path.endsWith('/event')) return Promise.resolve({ status: 202, body: {} });
    return Promise.resolve({ status: 200, body: { run: { id: '7' }, url: 'http://x/runs/7' } });
  };
  const batches = () =>
    sent.filter((s) => s.path.endsWith('/event')).map((s) => s.body as LiveEventBatch);
  return { sent, post, batches };
}

function session(post: PostJson, overrides: Partial<LiveSessionOptions> = {}) {
  const lines: string[] = [];
  const live = new LiveSession({
    post,
    log: createLogger(false, (line) => lines.push(line)),
    url: 'http://x',
    maxBatchSize: 3,
    flushIntervalMs: 60_000,
    maxQueuedEvents: 100,
    random: () => 0.5,
    setupRetryDelaysMs: [5, 5],
    ...overrides,
  });
  return { live, lines };
}

const log = (chunk: string): LiveEvent => ({ type: 'log', stream: 'stdout', chunk });
const status = (message: string): LiveEvent => ({ type: 'status', error: { message } });

describe('LiveSession', () => {
  it('numbers batches from 0, cuts them at maxBatchSize, and sends the rest at the end', async () => {
    const server = fakeServer();
    const { live, lines } = session(server.post);
    live.start(setup);
    for (let i = 0; i < 7; i++) live.enqueue(log(`line ${i}`));
    const result = await live.finish(teardown, 5000);
    expect(result.runUrl).toBe('http://x/runs/7');
    expect(server.batches().map((b) => [b.seq, b.events.length, b.sessionId])).toEqual([
      [0, 3, 's1'],
      [1, 3, 's1'],
      [2, 1, 's1'],
    ]);
    const events = server.batches().flatMap((b) => b.events);
    expect(events.map((e) => (e.type === 'log' ? e.chunk : ''))).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `line ${i}`),
    );
    expect(server.sent.at(-1)).toEqual({
      path: '/api/v1/ingest/teardown',
      body: { sessionId: 's1', status: 'passed', summary: { notRun: [], lastSeq: 2 } },
    });
    expect(lines).toEqual([]);
  });

  it('sends what is queued every flushIntervalMs', async () => {
    const server = fakeServer();
    const { live } = session(server.post, { flushIntervalMs: 20, maxBatchSize: 50 });
    live.start(setup);
    live.enqueue(log('a'));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(server.batches()).toHaveLength(1);
    await live.finish(teardown, 1000);
  });

  it('sends a batch again under the same seq after a 500, a network error and a 429', async () => {
    let eventCalls = 0;
    const server = fakeServer((path) => {
      if (!path.endsWith('/event')) return undefined;
      eventCalls++;
      if (eventCalls === 1) return { status: 500, body: {} };
      if (eventCalls === 2) return new Error('ECONNRESET');
      if (eventCalls === 3) return { status: 429, body: {}, retryAfterMs: 30 };
      return undefined;
    });
    const { live } = session(server.post);
    live.start(setup);
    for (let i = 0; i < 4; i++) live.enqueue(log(`${i}`));
    await live.finish(teardown, 5000);
    const batches = server.batches();
    expect(batches.map((b) => b.seq)).toEqual([0, 0, 0, 0, 1]);
    expect(batches[3]).toEqual(batches[0]);
  });

  it('drops a batch refused with 400 and gives its seq to the next batch', async () => {
    let eventCalls = 0;
    const server = fakeServer((path) =>
      path.endsWith('/event') && ++eventCalls === 1
        ? { status: 400, body: { error: { code: 'invalid' } } }
        : undefined,
    );
    const { live } = session(server.post);
    live.start(setup);
    for (let i = 0; i < 6; i++) live.enqueue(log(`${i}`));
    await live.finish(teardown, 5000);
    expect(server.batches().map((b) => [b.seq, (b.events[0] as { chunk: string }).chunk])).toEqual([
      [0, '0'],
      [0, '3'],
    ]);
    const last = server.sent.at(-1)?.body as LiveTeardown;
    expect(last.summary?.lastSeq).toBe(0);
  });

  it('resends the batches teardown names missing, then tears down again', async () => {
    let teardowns = 0;
    const server = fakeServer((path) =>
      path.endsWith('/teardown') && ++teardowns === 1
        ? {
            status: 409,
            body: { error: { code: 'batches_missing', details: { missing: [1, 0] } } },
          }
        : undefined,
    );
    const { live } = session(server.post);
    live.start(setup);
    for (let i = 0; i < 6; i++) live.enqueue(log(`${i}`));
    const result = await live.finish(teardown, 5000);
    expect(result.runUrl).toBe('http://x/runs/7');
    expect(server.sent.map((s) => s.path.replace('/api/v1/ingest/', ''))).toEqual([
      'setup',
      'event',
      'event',
      'teardown',
      'event',
      'event',
      'teardown',
    ]);
    expect(server.batches().map((b) => b.seq)).toEqual([0, 1, 1, 0]);
  });

  it('queues events until setup answers', async () => {
    let releaseSetup: (answer: HttpAnswer) => void = () => undefined;
    const server = fakeServer();
    const post: PostJson = (path, body, timeout) =>
      path.endsWith('/setup')
        ? new Promise((resolve) => {
            server.sent.push({ path, body });
            releaseSetup = resolve;
          })
        : server.post(path, body, timeout);
    const { live } = session(post);
    live.start(setup);
    for (let i = 0; i < 5; i++) live.enqueue(log(`${i}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.batches()).toEqual([]);
    releaseSetup({ status: 201, body: { sessionId: 's1', runId: '1', url: 'u' } });
    await live.finish(teardown, 5000);
    expect(server.batches().map((b) => b.seq)).toEqual([0, 1]);
  });

  it('sends nothing when setup answers after the end of the run gave up', async () => {
    let releaseSetup: (answer: HttpAnswer) => void = () => undefined;
    const server = fakeServer();
    const post: PostJson = (path, body, timeout) =>
      path.endsWith('/setup')
        ? new Promise((resolve) => {
            server.sent.push({ path, body });
            releaseSetup = resolve;
          })
        : server.post(path, body, timeout);
    const { live, lines } = session(post);
    live.start(setup);
    live.enqueue(log('a'));
    expect(await live.finish(teardown, 30)).toEqual({});
    releaseSetup({ status: 201, body: { sessionId: 's1', runId: '1', url: 'u' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.sent.map((s) => s.path)).toEqual(['/api/v1/ingest/setup']);
    expect(lines).toHaveLength(1);
  });

  it.each([
    [401, 'the server refused the token (HTTP 401: unauthorized)'],
    [403, 'the server refused the token (HTTP 403: unauthorized)'],
    [404, 'http://x has no live ingest endpoint (HTTP 404: unauthorized)'],
  ])('after %i on setup, says so once, asks once, and sends nothing more', async (code, text) => {
    const server = fakeServer(() => ({ status: code, body: { error: { code: 'unauthorized' } } }));
    const { live, lines } = session(server.post);
    live.start(setup);
    live.enqueue(log('a'));
    expect(await live.finish(teardown, 1000)).toEqual({});
    live.enqueue(log('b'));
    expect(server.sent.map((s) => s.path)).toEqual(['/api/v1/ingest/setup']);
    expect(lines).toEqual([`Flackyness: ${text}: live results are not sent.\n`]);
  });

  it('tries setup three times on network errors, then says so once', async () => {
    const server = fakeServer(() =>
      Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }),
    );
    const { live, lines } = session(server.post);
    live.start(setup);
    await live.finish(teardown, 1000);
    expect(server.sent).toHaveLength(3);
    expect(lines).toEqual([
      'Flackyness: cannot reach http://x (ECONNREFUSED: connect refused): live results are not sent.\n',
    ]);
  });

  it('keeps retrying while the server is away, and gives up quietly at the deadline', async () => {
    const server = fakeServer((path) => (path.endsWith('/event') ? new Error('down') : undefined));
    const { live, lines } = session(server.post, { random: () => 0 });
    live.start(setup);
    for (let i = 0; i < 3; i++) live.enqueue(log(`${i}`));
    const started = Date.now();
    expect(await live.finish(teardown, 400)).toEqual({});
    expect(Date.now() - started).toBeLessThan(1500);
    expect(new Set(server.batches().map((b) => b.seq))).toEqual(new Set([0]));
    expect(server.batches().length).toBeGreaterThan(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the live run is incomplete');
  });

  it('when the queue is full, drops log lines first and says so once', async () => {
    const server = fakeServer((path) => (path.endsWith('/setup') ? 'hang' : undefined));
    const { live, lines } = session(server.post, { maxQueuedEvents: 4, maxBatchSize: 1000 });
    live.start(setup);
    live.enqueue(log('1'));
    live.enqueue(status('a'));
    live.enqueue(log('2'));
    live.enqueue(status('b'));
    live.enqueue(log('3')); // full: this log is dropped
    live.enqueue(status('c')); // evicts log 1
    live.enqueue(status('d')); // evicts log 2
    expect(live.queuedEvents).toBe(4);
    live.enqueue(status('e')); // nothing left to evict: dropped
    expect(live.queuedEvents).toBe(4);
    expect(lines).toEqual([
      'Flackyness: 4 events are waiting for the server: test output is being dropped.\n',
      'Flackyness: 4 events are waiting for the server: test results are being dropped.\n',
    ]);
    await live.finish(teardown, 50);
  });
});
