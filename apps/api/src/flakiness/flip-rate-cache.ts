import type { Sql } from '../db/client.ts';

/**
 * Flip rates already computed, per project, results version, window start and branch. A flip
 * rate is derived from the window's raw results (each test's whole sequence per branch), not from
 * the counters kept at ingest, so its cost grows with the runs in the window; under a dashboard's
 * repeated reads most pages ask again for the same tests before the project's next upload. The
 * results version (project_windows.results_version) takes a new random value in the transaction
 * of every change to the project's counted results, and rates are stored under the version read
 * in the statement that counted them: an entry holds exactly its version's numbers. Bounded in
 * tests; the least recently used keys go first.
 */
export class FlipRateCache {
  private readonly entries = new Map<string, Map<string, number>>();
  private size = 0;

  constructor(private readonly maxTests = 100_000) {}

  /** The rates known under `key` for `testIds`, and the ids still to compute. */
  lookup(
    key: string,
    testIds: readonly string[],
  ): { known: Map<string, number>; missing: string[] } {
    const known = new Map<string, number>();
    const missing: string[] = [];
    const rates = this.entries.get(key);
    if (rates) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, rates);
    }
    for (const id of testIds) {
      const rate = rates?.get(id);
      if (rate === undefined) missing.push(id);
      else known.set(id, rate);
    }
    return { known, missing };
  }

  store(key: string, rates: ReadonlyMap<string, number>): void {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new Map();
      this.entries.set(key, entry);
    }
    for (const [id, rate] of rates) {
      if (!entry.has(id)) this.size++;
      entry.set(id, rate);
    }
    for (const [oldest, evicted] of this.entries) {
      if (this.size <= this.maxTests || oldest === key) break;
      this.entries.delete(oldest);
      this.size -= evicted.size;
    }
  }
}

// One per database client: test suites open many databases whose project ids and versions repeat.
const caches = new WeakMap<Sql, FlipRateCache>();

export function flipRateCacheOf(sql: Sql): FlipRateCache {
  let cache = caches.get(sql);
  if (!cache) {
    cache = new FlipRateCache();
    caches.set(sql, cache);
  }
  return cache;
}
