import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TxSql } from '../client.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `prefix` + 43 base62 characters (~256 bits), unbiased: bytes ≥ 248 are drawn again. */
export function generateSecret(prefix: string): string {
  const length = prefix.length + 43;
  let out = prefix;
  while (out.length < length) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** `flk_` + 43 base62 characters. */
export function generateProjectToken(): string {
  return generateSecret('flk_');
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

export interface LiveTokenRow {
  tokenId: string;
  projectId: string;
  projectSlug: string;
  projectName: string;
  /** Set once a rotation retired the token: it works until then. */
  expiresAt: Date | null;
}

/** A live token's row and its project, for a login with it. */
export async function findLiveToken(
  sql: Sql,
  tokenHash: string,
): Promise<LiveTokenRow | undefined> {
  const [row] = await sql<LiveTokenRow[]>`
    select t.id as "tokenId", t.project_id as "projectId", p.slug as "projectSlug",
      p.name as "projectName", t.expires_at as "expiresAt"
    from project_tokens t
    join projects p on p.id = t.project_id
    where t.token_hash = ${tokenHash} and (t.expires_at is null or t.expires_at > now())`;
  return row;
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
