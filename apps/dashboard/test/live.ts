import type { LiveSetup, LiveSetupAnswer, LiveTeardown } from '@flackyness/shared/ingest';

/**
 * A live run driven through the real ingest API (shared/DESIGN.md §6), the way the reporter drives
 * it: setup, numbered event batches, teardown. Tests are described by a short name; the events
 * carry every field the protocol asks for.
 */

const ESC = '\u001b';

export interface LiveTestCase {
  id: string;
  title: string;
  order: number;
}

function fields(test: LiveTestCase) {
  return {
    testId: test.id,
    title: test.title,
    titlePath: ['live suite', test.title],
    file: 'live.spec.ts',
    line: 3 + test.order,
    column: 1,
    projectName: 'chromium',
  };
}

export function testBegin(test: LiveTestCase, retry = 0) {
  return { type: 'test-begin' as const, ...fields(test), retry };
}

export function testEnd(
  test: LiveTestCase,
  attempt: {
    retry?: number;
    status: 'passed' | 'failed' | 'skipped';
    outcome: 'expected' | 'unexpected' | 'flaky' | 'skipped';
    willRetry?: boolean;
  },
) {
  return {
    type: 'test-end' as const,
    ...fields(test),
    retry: attempt.retry ?? 0,
    status: attempt.status,
    duration: 40 + test.order,
    ...(attempt.status === 'failed'
      ? { error: { message: `${ESC}[31mExpected: 1\nReceived: 2${ESC}[39m` } }
      : {}),
    expectedStatus: 'passed' as const,
    outcome: attempt.outcome,
    willRetry: attempt.willRetry ?? false,
    tags: [],
    annotations: [],
    order: test.order,
    specId: test.id,
  };
}

export function log(chunk: string, test?: LiveTestCase) {
  return {
    type: 'log' as const,
    ...(test ? { testId: test.id, retry: 0 } : {}),
    stream: 'stdout' as const,
    chunk,
  };
}

/** POST /api/v1/ingest/<step>; a non-2xx answer throws with its body. */
async function post(baseUrl: string, token: string, step: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}/api/v1/ingest/${step}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ingest/${step}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export class LiveRun {
  private seq = 0;
  private constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    readonly sessionId: string,
    readonly runId: string,
  ) {}

  static async start(
    baseUrl: string,
    token: string,
    setup: Partial<LiveSetup> & { totalTests: number },
  ): Promise<LiveRun> {
    const answer = (await post(baseUrl, token, 'setup', {
      framework: 'playwright',
      reporterVersion: '0.1.0-test',
      playwrightVersion: '1.65.1',
      ...setup,
    })) as LiveSetupAnswer;
    return new LiveRun(baseUrl, token, answer.sessionId, answer.runId);
  }

  async send(events: unknown[]): Promise<void> {
    await post(this.baseUrl, this.token, 'event', {
      sessionId: this.sessionId,
      seq: this.seq++,
      events,
    });
  }

  async teardown(status: LiveTeardown['status']): Promise<void> {
    await post(this.baseUrl, this.token, 'teardown', {
      sessionId: this.sessionId,
      status,
      summary: { lastSeq: this.seq - 1 },
    });
  }
}
