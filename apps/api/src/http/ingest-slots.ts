import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';

/** `work` in one of `slots` (none: at once). */
export function inIngestSlot<T>(
  slots: IngestSlots | undefined,
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return slots ? slots.run(work, signal) : work();
}

/**
 * How many ingests (uploads, live teardowns) this process works on at once; the others wait their
 * turn in arrival order. A report's parsing and its statements take the event loop and the
 * database for tens to hundreds of milliseconds each; twenty shards ending together would all
 * take them at once, and every read in flight would wait behind all twenty (DESIGN.md §8). Past
 * `maxWaiting` an ingest is refused with 503 and Retry-After, which the reporter and the README's
 * curl retry.
 */
export class IngestSlots {
  private running = 0;
  private readonly queue: { start: () => void }[] = [];

  /** `limit` 0: no bound. */
  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
  ) {}

  /** The turns INGEST_CONCURRENCY and INGEST_QUEUE_MAX set. */
  static fromConfig(config: Pick<Config, 'INGEST_CONCURRENCY' | 'INGEST_QUEUE_MAX'>): IngestSlots {
    return new IngestSlots(config.INGEST_CONCURRENCY, config.INGEST_QUEUE_MAX);
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `work` in a slot once one is free. `signal` (the request's deadline) gives up waiting. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.limit > 0 && this.running >= this.limit) await this.turn(signal);
    else this.running += 1;
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private turn(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.queue.length >= this.maxWaiting) {
      throw new ApiError(
        'service_unavailable',
        'The server is busy storing other reports; retry shortly',
        undefined,
        { 'retry-after': '5' },
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(entry);
        if (at >= 0) this.queue.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  /** A finished ingest hands its slot straight to the next in line (the count stays). */
  private release(): void {
    const next = this.queue.shift();
    if (next) next.start();
    else this.running -= 1;
  }
}
