import { jsonParam, type TxSql } from '../client.ts';
import type { NormalizedResult } from '../../ingest/types.ts';

/**
 * Returns the id of every test identity in `results`, creating the missing ones. Existing tests
 * are read, not rewritten, so an upload of known tests writes no test rows; `known` ids (from the
 * cache) are not read again. Identities are sorted so concurrent uploads take the unique index's
 * locks in the same order.
 */
export async function upsertTests(
  tx: TxSql,
  projectId: string,
  results: readonly NormalizedResult[],
  seenAt: Date,
  known: ReadonlyMap<string, string> = new Map(),
): Promise<Map<string, string>> {
  const ids = new Map(known);
  const byHash = new Map<string, NormalizedResult>();
  for (const result of results) {
    if (!ids.has(result.identityHash) && !byHash.has(result.identityHash))
      byHash.set(result.identityHash, result);
  }
  const hashes = [...byHash.keys()].sort();
  if (hashes.length === 0) return ids;

  const existing = await tx<{ id: string; identityHash: string }[]>`
    select id, identity_hash as "identityHash" from tests
    where project_id = ${projectId} and identity_hash = any(${hashes}::text[])`;
  for (const row of existing) ids.set(row.identityHash, row.id);

  const missing = hashes.filter((hash) => !ids.has(hash));
  if (missing.length > 0) {
    const rows = missing.map((hash) => {
      const r = byHash.get(hash) as NormalizedResult;
      return {
        identity_hash: hash,
        project_name: r.projectName,
        file: r.file,
        title: r.title,
        title_path: r.titlePath,
        playwright_id: r.playwrightId,
        line: r.line,
        column: r.column,
        tags: r.tags,
      };
    });
    const inserted = await tx<{ id: string; identityHash: string }[]>`
      insert into tests (
        project_id, identity_hash, project_name, file, title, title_path, playwright_id, line,
        "column", tags, first_seen_at, last_seen_at)
      select ${projectId}, r.identity_hash, r.project_name, r.file, r.title, r.title_path,
        r.playwright_id, r.line, r."column", r.tags, ${seenAt}, ${seenAt}
      from jsonb_to_recordset(${jsonParam(tx, rows)}) as r(
        identity_hash text, project_name text, file text, title text, title_path text[],
        playwright_id text, line int, "column" int, tags text[])
      on conflict (project_id, identity_hash) do nothing
      returning id, identity_hash as "identityHash"`;
    for (const row of inserted) ids.set(row.identityHash, row.id);
    // A concurrent upload may have created some of them first: read those.
    const raced = missing.filter((hash) => !ids.has(hash));
    if (raced.length > 0) {
      const rows2 = await tx<{ id: string; identityHash: string }[]>`
        select id, identity_hash as "identityHash" from tests
        where project_id = ${projectId} and identity_hash = any(${raced}::text[])`;
      for (const row of rows2) ids.set(row.identityHash, row.id);
    }
  }
  return ids;
}
