import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { IngestSlots } from './ingest-slots.ts';

/** A piece of work that ends when the test says so. */
function held() {
  let release: () => void = () => {};
  const done = new Promise<void>((resolve) => (release = resolve));
  return { work: () => done, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('IngestSlots', () => {
  it('runs at most `limit` at once and starts the waiting ones in arrival order', async () => {
    const slots = new IngestSlots(2, 10);
    const started: number[] = [];
    const work = Array.from({ length: 5 }, () => held());
    const runs = work.map((w, i) =>
      slots.run(async () => {
        started.push(i);
        await w.work();
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect([slots.active, slots.waiting]).toEqual([2, 3]);
    work[1]?.release();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    work[0]?.release();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const w of work) w.release();
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it('refuses with 503 and Retry-After once `maxWaiting` wait, and runs nothing of it', async () => {
    const slots = new IngestSlots(1, 1);
    const first = held();
    const running = slots.run(first.work);
    const waiting = slots.run(async () => 'second');
    let ran = false;
    const refused = await slots
      .run(async () => {
        ran = true;
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(503);
    expect((refused as ApiError).headers).toEqual({ 'retry-after': '5' });
    expect(ran).toBe(false);
    first.release();
    await running;
    expect(await waiting).toBe('second');
  });

  it('gives up waiting when the request is aborted, and keeps its count right', async () => {
    const slots = new IngestSlots(1, 10);
    const first = held();
    const running = slots.run(first.work);
    const controller = new AbortController();
    let ran = false;
    const abandoned = slots
      .run(async () => {
        ran = true;
      }, controller.signal)
      .catch((error: unknown) => error);
    await settle();
    expect(slots.waiting).toBe(1);
    const reason = new Error('deadline');
    controller.abort(reason);
    expect(await abandoned).toBe(reason);
    expect(slots.waiting).toBe(0);
    first.release();
    await running;
    expect(ran).toBe(false);
    expect(slots.active).toBe(0);
    // The slot is free again.
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  it('frees the slot of a failed ingest', async () => {
    const slots = new IngestSlots(1, 10);
    await expect(slots.run(() => Promise.reject(new Error('invalid report')))).rejects.toThrow(
      'invalid report',
    );
    expect(slots.active).toBe(0);
    expect(await slots.run(async () => 1)).toBe(1);
  });

  it('has no bound with limit 0', async () => {
    const slots = new IngestSlots(0, 0);
    const work = Array.from({ length: 20 }, () => held());
    const runs = work.map((w) => slots.run(w.work));
    await settle();
    expect([slots.active, slots.waiting]).toEqual([20, 0]);
    for (const w of work) w.release();
    await Promise.all(runs);
    expect(slots.active).toBe(0);
  });
});
