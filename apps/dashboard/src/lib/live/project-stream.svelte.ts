import type { Run } from '@flackyness/shared/api';
import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { openEventStream, type StreamConnection } from './event-stream';
import { throttle } from './throttle';

/**
 * A project's runs as they change (the project stream's `run-updated`), for the runs list and the
 * overview: the newest version of each run seen, to show in place of the loaded one, and a
 * throttled `onOther` for a change the page cannot show in place (a new run, a finished one).
 * The API's project stream starts at the moment it is opened (no replay of the past) and resumes
 * from Last-Event-ID.
 */

export interface ProjectStreamOptions {
  url: string;
  /** Whether the page shows this run in a row it can update in place. */
  shows(run: Run): boolean;
  /** Called at most once every `throttleMs` for changes the page must reload to show. */
  onOther(): void;
  throttleMs?: number;
}

/**
 * When a run last changed: its `updatedAt`, or its last live event (a live run's progress moves
 * without touching `updatedAt`).
 */
export function runVersion(run: Run): number {
  const updated = Date.parse(run.updatedAt);
  const lastEvent = run.live?.lastEventAt ? Date.parse(run.live.lastEventAt) : Number.NaN;
  return Number.isNaN(lastEvent) ? updated : Math.max(updated, lastEvent);
}

/** The run to show: the stream's version unless the loaded one is newer (read after it). */
export function newerRun(loaded: Run, seen: Run | undefined): Run {
  return seen && runVersion(seen) >= runVersion(loaded) ? seen : loaded;
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
        // In order: the stream's latest version of a run is its newest.
        const run = event.data.run;
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

/**
 * Follows the project's stream (through the dashboard's proxy) while the calling component lives,
 * and again from scratch when the project changes: call it while the component initialises.
 * `current` is null until the stream is opened.
 */
export function followProjectStream(
  slug: () => string,
  options: Omit<ProjectStreamOptions, 'url'>,
): { readonly current: ProjectStream | null } {
  let current = $state<ProjectStream | null>(null);
  $effect(() => {
    const url = `/projects/${encodeURIComponent(slug())}/stream`;
    const live = untrack(() => {
      const created = new ProjectStream({ ...options, url });
      created.start();
      return created;
    });
    current = live;
    return () => {
      live.stop();
      current = null;
    };
  });
  return {
    get current() {
      return current;
    },
  };
}
