import type { Run } from '@flackyness/shared/api';
import { openEventStream, type StreamConnection } from './event-stream';
import type { LogLine } from './log-lines';
import {
  applyStreamEvent,
  createLiveRunState,
  isFinished,
  liveCounts,
  visibleTests,
  type LiveCounts,
  type LiveTest,
} from './run-state';

/**
 * The live view's data for one run: its stream's events reduced (run-state.ts) and published to
 * the page at most every `publishMs`, so a burst of hundreds of events renders once. When the
 * run stops running, `onFinished` runs once and the stream closes.
 */

export interface RunStreamOptions {
  url: string;
  /** Most test rows the page shows; the rest are counted. */
  maxRows?: number;
  maxLogLines?: number;
  publishMs?: number;
  onFinished?(run: Run): void;
}

export class RunStream {
  connection = $state<StreamConnection>('connecting');
  run = $state.raw<Run>() as Run;
  counts = $state.raw<LiveCounts>() as LiveCounts;
  tests = $state.raw<LiveTest[]>([]);
  hiddenTests = $state(0);
  logLines = $state.raw<LogLine[]>([]);
  droppedLines = $state(0);

  readonly #state;
  readonly #options: Required<Omit<RunStreamOptions, 'onFinished'>> &
    Pick<RunStreamOptions, 'onFinished'>;
  #stream: { close(): void } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;

  constructor(run: Run, options: RunStreamOptions) {
    this.#options = { maxRows: 500, maxLogLines: 2000, publishMs: 250, ...options };
    this.#state = createLiveRunState(run, { maxLogLines: this.#options.maxLogLines });
    this.#publish();
  }

  start() {
    if (this.#stream || this.#finished) return;
    this.#stream = openEventStream({
      url: this.#options.url,
      kinds: ['run-updated', 'test-begin', 'test-end', 'log'],
      lastId: () => this.#state.lastId,
      onConnection: (state) => (this.connection = state),
      onEvent: (event) => {
        if (!applyStreamEvent(this.#state, event)) return;
        if (event.kind === 'run-updated' && isFinished(event.data.run)) this.#finish();
        else this.#schedule();
      },
    });
  }

  stop() {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stream?.close();
    this.#stream = undefined;
  }

  /** A test's title path by its Playwright id (log lines name their test by id). */
  testTitle(testId: string): string | undefined {
    return this.#state.titles.get(testId);
  }

  #schedule() {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#publish();
    }, this.#options.publishMs);
  }

  #publish() {
    const state = this.#state;
    this.run = state.run;
    this.counts = liveCounts(state);
    const visible = visibleTests(state, this.#options.maxRows);
    this.tests = visible.tests;
    this.hiddenTests = visible.hidden;
    this.logLines = [...state.log.lines];
    this.droppedLines = state.log.dropped;
  }

  #finish() {
    if (this.#finished) return;
    this.#finished = true;
    this.stop();
    this.#publish();
    this.#options.onFinished?.(this.#state.run);
  }
}
