import { backoffDelay, describeAnswer, isRetriableStatus } from './http-client.ts';
import type { HttpAnswer, PostJson } from './http-client.ts';
import type { Logger } from './log.ts';
import type {
  LiveEvent,
  LiveEventBatch,
  LiveSetup,
  LiveSetupAnswer,
  LiveTeardown,
} from './protocol.ts';

export interface LiveSessionOptions {
  post: PostJson;
  log: Logger;
  /** The server, for messages only. */
  url: string;
  maxBatchSize: number;
  flushIntervalMs: number;
  maxQueuedEvents: number;
  /** For tests: jitter and the quick setup retries. */
  random?: () => number;
  setupRetryDelaysMs?: number[];
  /** The longest one request may take. */
  requestTimeoutMs?: number;
}

type State = 'idle' | 'starting' | 'open' | 'disabled' | 'finished';

const PATHS = {
  setup: '/api/v1/ingest/setup',
  event: '/api/v1/ingest/event',
  teardown: '/api/v1/ingest/teardown',
} as const;

/** How many times teardown may name missing batches before the reporter stops resending. */
const MAX_TEARDOWN_ROUNDS = 5;
/** Retry-After is honoured up to this long; a server asking for more is retried after this. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface FinishResult {
  /** The run's dashboard page, when teardown was accepted. */
  runUrl?: string;
}

/**
 * One live session with the server: setup, the event batches (`seq` from 0, one request in
 * flight at a time, so the server receives them in order), and teardown. Nothing here throws or
 * rejects to its caller; the server being slow or away only costs results, never the run.
 */
export class LiveSession {
  private state: State = 'idle';
  private sessionId: string | undefined;
  private setupUrl: string | undefined;
  private setupDone: Promise<void> = Promise.resolve();
  private pending: LiveEvent[] = [];
  private pendingLogs = 0;
  /** Every batch the server took, kept for teardown's `batches_missing`. */
  private readonly sent = new Map<number, LiveEventBatch>();
  private nextSeq = 0;
  private flushDue = false;
  private pumping: Promise<void> | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private wakeSleepers = new Set<() => void>();
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: LiveSessionOptions) {
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Sends setup in the background; events queue until it answers. */
  start(setup: LiveSetup): void {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    this.setupDone = this.runSetup(setup).catch((error: unknown) => {
      this.disable('setup', `setup failed (${String(error)}): live results are not sent.`);
    });
    this.flushTimer = setInterval(() => {
      if (this.pending.length === 0) return;
      this.flushDue = true;
      this.kick();
    }, this.options.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** Queues one event; sends a batch once `maxBatchSize` are waiting. */
  enqueue(event: LiveEvent): void {
    if (this.state !== 'starting' && this.state !== 'open') return;
    if (this.pending.length >= this.options.maxQueuedEvents && !this.makeRoomFor(event)) return;
    this.pending.push(event);
    if (event.type === 'log') this.pendingLogs++;
    if (this.pending.length >= this.options.maxBatchSize) this.kick();
  }

  /** Events waiting to be sent (not counting a batch in flight). */
  get queuedEvents(): number {
    return this.pending.length;
  }

  /**
   * Sends what is queued, then teardown, within `timeoutMs` in all. Resolves (never rejects)
   * with the run's page when the server took the teardown.
   */
  async finish(
    teardown: Omit<LiveTeardown, 'sessionId'>,
    timeoutMs: number,
  ): Promise<FinishResult> {
    this.deadline = Date.now() + timeoutMs;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.wake();
    // A ref'd timer keeps Node alive while onEnd waits (sockets and retry timers are unref'd).
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadlineTimer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
    });
    try {
      const result = await Promise.race([this.flushAndTeardown(teardown), timedOut]);
      if (result === 'timeout') {
        this.giveUp();
        return {};
      }
      return result;
    } catch {
      return {};
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  private async runSetup(setup: LiveSetup): Promise<void> {
    const delays = this.options.setupRetryDelaysMs ?? [250, 1000];
    let lastProblem = '';
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await this.sleep(delays[attempt - 1] ?? 0);
      if (this.state !== 'starting') return;
      let answer: HttpAnswer;
      try {
        this.options.log.debug(`POST ${PATHS.setup} ${JSON.stringify(setup)}`);
        answer = await this.options.post(PATHS.setup, setup, this.requestTimeoutMs);
        this.options.log.debug(`setup → ${answer.status} ${JSON.stringify(answer.body)}`);
        // An answer after onEnd gave up opens nothing: the run is over.
        if (this.state !== 'starting') return;
      } catch (error) {
        lastProblem = `cannot reach ${this.options.url} (${errorText(error)})`;
        this.options.log.debug(`setup → ${errorText(error)}`);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) {
        const body = answer.body as Partial<LiveSetupAnswer> | undefined;
        if (typeof body?.sessionId !== 'string' || !body.sessionId) {
          lastProblem = `setup answered ${answer.status} without a sessionId`;
          break;
        }
        this.sessionId = body.sessionId;
        this.setupUrl = typeof body.url === 'string' ? body.url : undefined;
        this.state = 'open';
        this.kick();
        return;
      }
      if (answer.status === 401 || answer.status === 403) {
        lastProblem = `the server refused the token (${describeAnswer(answer)})`;
        break;
      }
      if (answer.status === 404) {
        lastProblem = `${this.options.url} has no live ingest endpoint (${describeAnswer(answer)})`;
        break;
      }
      lastProblem = `setup failed (${describeAnswer(answer)})`;
      if (!isRetriableStatus(answer.status)) break;
    }
    this.disable('setup', `${lastProblem}: live results are not sent.`);
  }

  private disable(key: string, message: string): void {
    if (this.state === 'disabled' || this.state === 'finished') return;
    this.state = 'disabled';
    this.pending = [];
    this.pendingLogs = 0;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.options.log.warnOnce(key, message);
  }

  /** Full queue: a log line gives way to anything; a test event only evicts a log line. */
  private makeRoomFor(event: LiveEvent): boolean {
    const limit = this.options.maxQueuedEvents;
    if (event.type !== 'log' && this.pendingLogs > 0) {
      const index = this.pending.findIndex((queued) => queued.type === 'log');
      this.pending.splice(index, 1);
      this.pendingLogs--;
      this.options.log.warnOnce(
        'queue-logs',
        `${limit} events are waiting for the server: test output is being dropped.`,
      );
      return true;
    }
    this.options.log.warnOnce(
      event.type === 'log' ? 'queue-logs' : 'queue-events',
      event.type === 'log'
        ? `${limit} events are waiting for the server: test output is being dropped.`
        : `${limit} events are waiting for the server: test results are being dropped.`,
    );
    return false;
  }

  private hasBatchToSend(): boolean {
    if (this.state !== 'open' || this.pending.length === 0) return false;
    return this.flushDue || this.pending.length >= this.options.maxBatchSize;
  }

  private kick(): void {
    if (this.pumping || !this.hasBatchToSend()) return;
    this.pumping = this.pump()
      .catch(() => undefined)
      .finally(() => {
        this.pumping = undefined;
        if (this.hasBatchToSend()) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (this.hasBatchToSend()) {
      const events = this.pending.splice(0, this.options.maxBatchSize);
      this.pendingLogs -= events.filter((event) => event.type === 'log').length;
      if (this.pending.length === 0) this.flushDue = false;
      const batch: LiveEventBatch = {
        sessionId: this.sessionId as string,
        seq: this.nextSeq++,
        events,
      };
      const answer = await this.send(PATHS.event, batch, isSuccess);
      if (answer === undefined) return; // the deadline passed: giveUp() said so
      if (isSuccess(answer)) {
        this.sent.set(batch.seq, batch);
      } else if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
        this.disable(
          'event',
          `the server refused a batch (${describeAnswer(answer)}): live results are no longer sent.`,
        );
        return;
      } else {
        // Refused for good (400, 413…): drop it. The server stored nothing under this seq, so
        // the next batch takes it and teardown finds no gap.
        this.options.log.debug(`batch ${batch.seq} dropped: ${describeAnswer(answer)}`);
        this.nextSeq = batch.seq;
      }
    }
  }

  /**
   * Posts until `done(answer)`, a refusal that retrying cannot fix, or the deadline. Network
   * errors, 5xx, 408, 409 and 429 are retried with backoff (429 after its Retry-After).
   * Resolves undefined when the deadline passed first.
   */
  private async send(
    path: string,
    body: LiveEventBatch | LiveTeardown,
    done: (answer: HttpAnswer) => boolean,
  ): Promise<HttpAnswer | undefined> {
    for (let attempt = 0; ; attempt++) {
      const remaining = this.deadline - Date.now();
      if (this.state === 'finished' || this.state === 'disabled') return undefined;
      // The deadline can pass here before finish()'s timer fires (a busy event loop): give up
      // the same way, so the user is told once whichever notices first.
      if (remaining <= 0) {
        this.giveUp();
        return undefined;
      }
      let delay: number;
      try {
        this.options.log.debug(`POST ${path} ${describeBody(body)}`);
        const answer = await this.options.post(
          path,
          body,
          Math.min(this.requestTimeoutMs, remaining),
        );
        this.options.log.debug(`${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
        if (done(answer) || !isRetriableStatus(answer.status)) return answer;
        delay =
          answer.retryAfterMs !== undefined
            ? Math.min(answer.retryAfterMs, MAX_RETRY_AFTER_MS)
            : backoffDelay(attempt, this.random);
      } catch (error) {
        this.options.log.debug(`${path} → ${errorText(error)}`);
        delay = backoffDelay(attempt, this.random);
      }
      await this.sleep(Math.min(delay, Math.max(0, this.deadline - Date.now())));
    }
  }

  private async flushAndTeardown(teardown: Omit<LiveTeardown, 'sessionId'>): Promise<FinishResult> {
    await this.setupDone;
    if (this.state !== 'open') return {};
    while (this.state === 'open' && (this.pending.length > 0 || this.pumping)) {
      // Set on every turn: the pump clears it when it empties the queue.
      this.flushDue = true;
      this.kick();
      await this.pumping;
    }
    if (this.state !== 'open') return {};
    const body: LiveTeardown = {
      sessionId: this.sessionId as string,
      status: teardown.status,
      summary: {
        ...teardown.summary,
        lastSeq: this.nextSeq > 0 ? this.nextSeq - 1 : null,
      },
    };
    for (let round = 0; round < MAX_TEARDOWN_ROUNDS; round++) {
      const answer = await this.send(
        PATHS.teardown,
        body,
        (a) => isSuccess(a) || !!missingBatches(a),
      );
      if (answer === undefined) return {};
      if (isSuccess(answer)) {
        this.state = 'finished';
        return { runUrl: runUrlOf(answer.body) ?? this.setupUrl };
      }
      const missing = missingBatches(answer);
      const resendable = (missing ?? []).filter((seq) => this.sent.has(seq));
      if (!missing || resendable.length === 0) {
        this.state = 'finished';
        this.options.log.warnOnce(
          'teardown',
          `the server refused the end of the run (${describeAnswer(answer)}).`,
        );
        return {};
      }
      for (const seq of resendable) {
        const again = await this.send(PATHS.event, this.sent.get(seq) as LiveEventBatch, isSuccess);
        if (again === undefined) return {};
      }
    }
    this.state = 'finished';
    this.options.log.warnOnce(
      'teardown',
      'the server kept reporting missing batches; the run may be incomplete.',
    );
    return {};
  }

  private giveUp(): void {
    if (this.state === 'open' || this.state === 'starting') {
      this.options.log.warnOnce(
        'deadline',
        `the server did not take the last results in time (${this.options.url}): the live run is incomplete.`,
      );
    }
    this.state = 'finished';
    this.wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeSleepers.add(done);
    });
  }

  /** Ends every backoff wait now (the deadline changed, or the session ended). */
  private wake(): void {
    for (const done of [...this.wakeSleepers]) done();
  }
}

function isSuccess(answer: HttpAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/** The seqs of a `409 {"error": {"code": "batches_missing", "details": {"missing": [...]}}}`. */
export function missingBatches(answer: HttpAnswer): number[] | undefined {
  if (answer.status !== 409) return undefined;
  const error = (answer.body as { error?: { code?: unknown; details?: { missing?: unknown } } })
    ?.error;
  if (error?.code !== 'batches_missing' || !Array.isArray(error.details?.missing)) return undefined;
  return error.details.missing.filter((seq): seq is number => Number.isInteger(seq));
}

function runUrlOf(body: unknown): string | undefined {
  const answer = body as { url?: unknown; run?: { url?: unknown } } | undefined;
  if (typeof answer?.url === 'string') return answer.url;
  if (typeof answer?.run?.url === 'string') return answer.run.url;
  return undefined;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function describeBody(body: LiveEventBatch | LiveTeardown): string {
  if ('events' in body) return `seq ${body.seq}, ${body.events.length} events`;
  return JSON.stringify({
    ...body,
    summary: { ...body.summary, notRun: body.summary?.notRun?.length },
  });
}
