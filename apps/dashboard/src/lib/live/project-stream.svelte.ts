import type { Run } from '@flackyness/shared/api';
import { SvelteMap } from 'svelte/reactivity';
import { openEventStream, type StreamConnection } from './event-stream';
import { throttle } from './throttle';

/**
 * A project's runs as they change (the project stream's `run-updated`), for the runs list and the
 * overview: the newest version of each run seen, to show in place of the loaded one, and a
 * throttled `onOther` for a change the page cannot show in place (a new run, a finished one).
 */

export interface ProjectStreamOptions {
  url: string;
  /** When the page's data was read: older changes (a replay of the past) are in it already. */
  loadedAt: string;
  /** Whether the page shows this run in a row it can update in place. */
  shows(run: Run): boolean;
  /** Called at most once every `throttleMs` for changes the page must reload to show. */
  onOther(): void;
  throttleMs?: number;
}

/** A change this close before the page's read may have been missed by it. */
const READ_SLACK_MS = 2000;

/** The newer of two versions of a run (by `updatedAt`); the loaded one when equal. */
export function newerRun(loaded: Run, seen: Run | undefined): Run {
  if (!seen || Date.parse(seen.updatedAt) <= Date.parse(loaded.updatedAt)) return loaded;
  return seen;
}

export class ProjectStream {
  connection = $state<StreamConnection>('connecting');
  /** The last version of each run the stream sent, by id. */
  readonly runs = new SvelteMap<string, Run>();

  readonly #options: ProjectStreamOptions;
  readonly #reload;
  #lastId = 0;
  #stream: { close(): void } | undefined;

  constructor(options: ProjectStreamOptions) {
    this.#options = options;
    this.#reload = throttle(() => options.onOther(), options.throttleMs ?? 2000);
  }

  start() {
    if (this.#stream) return;
    const loadedAt = Date.parse(this.#options.loadedAt) - READ_SLACK_MS;
    this.#stream = openEventStream({
      url: this.#options.url,
      kinds: ['run-updated'],
      lastId: () => this.#lastId,
      onConnection: (state) => (this.connection = state),
      onEvent: (event) => {
        const id = Number(event.id);
        if (Number.isFinite(id)) {
          if (id <= this.#lastId) return;
          this.#lastId = id;
        }
        if (event.kind !== 'run-updated') return;
        const run = event.data.run;
        if (Date.parse(run.updatedAt) < loadedAt) return;
        const known = this.runs.get(run.id);
        if (known && Date.parse(known.updatedAt) > Date.parse(run.updatedAt)) return;
        this.runs.set(run.id, run);
        if (!this.#options.shows(run)) this.#reload();
      },
    });
  }

  stop() {
    this.#reload.cancel();
    this.#stream?.close();
    this.#stream = undefined;
  }
}
