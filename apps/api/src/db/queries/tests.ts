import type { TxSql } from '../client.ts';
import { nestedTextArray, numberArray, textArray } from '../array-literal.ts';
import { identityHash } from '../../domain/test-identity.ts';
import type { NormalizedResult } from '../../domain/report.ts';

/**
 * The test id of every result, in the results' order, creating the tests not stored yet. `known`
 * holds ids already known (from the cache), index-aligned; only the others are looked up. Existing
 * tests are read, not rewritten, so an upload of known tests writes no test rows. New identities
 * are inserted in hash order, so concurrent uploads take the unique index's locks in one order.
 */
export async function resolveTestIds(
  tx: TxSql,
  projectId: string,
  results: readonly NormalizedResult[],
  seenAt: Date,
  known: readonly (string | undefined)[],
): Promise<string[]> {
  const ids = new Array<string>(results.length);
  // The first result of each unknown identity, by the hash the tests table is keyed by.
  const unknown = new Map<string, NormalizedResult>();
  const hashOf = new Map<string, string>();
  for (let i = 0; i < results.length; i++) {
    const id = known[i];
    if (id !== undefined) {
      ids[i] = id;
      continue;
    }
    const result = results[i] as NormalizedResult;
    if (hashOf.has(result.identityKey)) continue;
    const hash = identityHash(result.identityKey);
    hashOf.set(result.identityKey, hash);
    unknown.set(hash, result);
  }
  if (unknown.size === 0) return ids;

  const hashes = [...unknown.keys()].sort();
  const rows = hashes.map((hash) => unknown.get(hash) as NormalizedResult);
  // One statement reads the known identities and inserts the others. Title paths and tags travel
  // as one array literal per row (nestedTextArray), cast back per row.
  const found = await tx<{ id: string; hash: string }[]>`
    with input as (
      select * from unnest(${textArray(hashes)}::text[], ${textArray(rows.map((r) => r.projectName))}::text[],
        ${textArray(rows.map((r) => r.file))}::text[], ${textArray(rows.map((r) => r.title))}::text[],
        ${nestedTextArray(rows.map((r) => r.titlePath))}::text[],
        ${textArray(rows.map((r) => r.playwrightId))}::text[], ${numberArray(rows.map((r) => r.line))}::int[],
        ${numberArray(rows.map((r) => r.column))}::int[], ${nestedTextArray(rows.map((r) => r.tags))}::text[])
        as i(identity_hash, project_name, file, title, title_path, playwright_id, line, "column", tags)
    ),
    existing as (
      select t.id, t.identity_hash from tests t join input i using (identity_hash)
      where t.project_id = ${projectId}
    ),
    inserted as (
      insert into tests (
        project_id, identity_hash, project_name, file, title, title_path, playwright_id, line,
        "column", tags, first_seen_at, last_seen_at)
      select ${projectId}, i.identity_hash, i.project_name, i.file, i.title, i.title_path::text[],
        i.playwright_id, i.line, i."column", i.tags::text[], ${seenAt}, ${seenAt}
      from input i
      where not exists (select 1 from existing e where e.identity_hash = i.identity_hash)
      order by i.identity_hash
      on conflict (project_id, identity_hash) do nothing
      returning id, identity_hash
    )
    select id, identity_hash as hash from existing
    union all
    select id, identity_hash as hash from inserted`;
  const idOf = new Map(found.map((row) => [row.hash, row.id]));
  // A concurrent upload may have created some of them after this statement's snapshot: read those.
  const raced = hashes.filter((hash) => !idOf.has(hash));
  if (raced.length > 0) {
    const rows2 = await tx<{ id: string; hash: string }[]>`
      select id, identity_hash as hash from tests
      where project_id = ${projectId} and identity_hash = any(${textArray(raced)}::text[])`;
    for (const row of rows2) idOf.set(row.hash, row.id);
  }
  for (let i = 0; i < results.length; i++) {
    if (ids[i] !== undefined) continue;
    const hash = hashOf.get((results[i] as NormalizedResult).identityKey) as string;
    ids[i] = idOf.get(hash) as string;
  }
  return ids;
}
