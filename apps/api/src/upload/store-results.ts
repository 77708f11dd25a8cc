import type { TxSql } from '../db/client.ts';
import { handled, sent } from '../db/pipelining.ts';
import { insertResults } from '../db/queries/results.ts';
import { resolveTestIds } from '../db/queries/tests.ts';
import type { TestIdCache } from '../db/test-id-cache.ts';
import type { NormalizedReport, NormalizedResult } from '../domain/report.ts';

/** Results normalised and sent per batch: large enough that statements stay few (a 10,000-result
 *  report is five batches), small enough that the database starts early. */
export const RESULTS_PER_BATCH = 2000;

/** Where the results come from: the report in batches, or whole (a report without stats). */
export interface ResultSource {
  /** The next batch; empty once every result was taken. */
  take(size: number): NormalizedResult[];
  /** The whole report, once every batch was taken. */
  finish(): NormalizedReport;
}

export interface StoredResults {
  report: NormalizedReport;
  /** The test id of each result of `report`, index-aligned. */
  testIds: string[];
  /** Settles when the last rows are written (they are sent already). */
  written: Promise<unknown>;
  /** Adds the ids the cache did not have; call once the transaction committed. */
  remember(): void;
}

/**
 * Stores a part's results: for each batch, its test ids (from the cache, else read or created)
 * and its rows. The next batch is normalised while the database stores the previous one, so the
 * normalising and the writing of a large report overlap instead of adding up.
 */
export async function storeResults(
  tx: TxSql,
  part: { projectId: string; runId: string; partId: string; createdAt: Date },
  source: ResultSource,
  cache: TestIdCache | undefined,
): Promise<StoredResults> {
  const keys: string[] = [];
  const cached: (string | undefined)[] = [];
  const testIds: string[] = [];
  const idsOf = (batch: readonly NormalizedResult[]): string[] | Promise<string[]> => {
    const batchKeys = batch.map((r) => r.identityKey);
    const known =
      cache?.lookup(part.projectId, batchKeys) ??
      new Array<string | undefined>(batch.length).fill(undefined);
    keys.push(...batchKeys);
    cached.push(...known);
    return known.includes(undefined)
      ? handled(resolveTestIds(tx, part.projectId, batch, part.createdAt, known))
      : (known as string[]);
  };

  // The database always has the next statement queued: a batch's tests are sent as soon as it is
  // normalised, before the previous batch's rows (which wait for their ids).
  const inserts: Promise<void>[] = [];
  let batch = source.take(RESULTS_PER_BATCH);
  let ids = batch.length > 0 ? idsOf(batch) : [];
  while (batch.length > 0) {
    await sent();
    const following = source.take(RESULTS_PER_BATCH);
    const followingIds = following.length > 0 ? idsOf(following) : [];
    const batchIds = await ids;
    inserts.push(handled(insertResults(tx, { ...part, results: batch, testIds: batchIds })));
    for (const id of batchIds) testIds.push(id);
    batch = following;
    ids = followingIds;
  }
  return {
    report: source.finish(),
    testIds,
    written: handled(Promise.all(inserts)),
    remember() {
      if (!cache) return;
      const newKeys: string[] = [];
      const newIds: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        if (cached[i] !== undefined) continue;
        newKeys.push(keys[i] as string);
        newIds.push(testIds[i] as string);
      }
      if (newKeys.length > 0) cache.remember(part.projectId, newKeys, newIds);
    },
  };
}

/** A report read whole beforehand, as one batch. */
export function wholeReport(report: NormalizedReport): ResultSource {
  let taken = false;
  return {
    take() {
      if (taken) return [];
      taken = true;
      return report.results;
    },
    finish: () => report,
  };
}
