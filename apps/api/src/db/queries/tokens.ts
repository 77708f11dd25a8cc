import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TxSql } from '../client.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `flk_` + 43 base62 characters (~256 bits), unbiased: bytes ≥ 248 are drawn again. */
export function generateProjectToken(): string {
  let out = 'flk_';
  while (out.length < 4 + 43) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && out.length < 4 + 43) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** What is stored of a project token, and what a presented one is looked up by. */
export function hashProjectToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The project a live token belongs to; tokens retired by a rotation work until `expires_at`. */
export async function findProjectByToken(sql: Sql, tokenHash: string): Promise<string | undefined> {
  const [row] = await sql<{ projectId: string }[]>`
    select project_id as "projectId" from project_tokens
    where token_hash = ${tokenHash} and (expires_at is null or expires_at > now())`;
  return row?.projectId;
}

/** Keeps the token's hash (never the token) and its first characters, to recognise it by. */
export async function insertProjectToken(
  sql: Sql | TxSql,
  projectId: string,
  token: string,
): Promise<void> {
  await sql`
    insert into project_tokens (project_id, token_hash, token_prefix)
    values (${projectId}, ${hashProjectToken(token)}, ${token.slice(0, 8)})`;
}

/** Retires every live token of the project, at once or after `graceSeconds`. */
export async function expireProjectTokens(
  sql: Sql | TxSql,
  projectId: string,
  graceSeconds: number,
): Promise<void> {
  await sql`
    update project_tokens
    set expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => ${graceSeconds}))
    where project_id = ${projectId} and (expires_at is null or expires_at > now())`;
  // Tokens past their grace period are of no further use.
  await sql`delete from project_tokens where project_id = ${projectId} and expires_at <= now() - interval '1 day'`;
}
