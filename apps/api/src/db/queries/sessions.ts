import type { Sql } from '../client.ts';
import { generateSecret } from './tokens.ts';

/** Session secrets read apart from project tokens (`flk_`) by their prefix. */
export const SESSION_PREFIX = 'flks_';

/** `flks_` + 43 base62 characters (~256 bits). */
export function generateSessionSecret(): string {
  return generateSecret(SESSION_PREFIX);
}

/** What a session was opened with, and so what it ends with. */
export type SessionCredential =
  | { kind: 'admin'; adminTokenHash: string }
  | { kind: 'project'; projectId: string; tokenId: string };

export async function insertSession(
  sql: Sql,
  values: { secretHash: string; credential: SessionCredential; expiresAt: Date },
): Promise<void> {
  const { credential } = values;
  await sql`
    insert into sessions (secret_hash, kind, project_id, token_id, admin_token_hash, expires_at)
    values (${values.secretHash}, ${credential.kind},
      ${credential.kind === 'project' ? credential.projectId : null},
      ${credential.kind === 'project' ? credential.tokenId : null},
      ${credential.kind === 'admin' ? credential.adminTokenHash : null}, ${values.expiresAt})`;
}

/** Sessions past their expiry are of no further use: one range of sessions_expires_idx. */
export async function deleteExpiredSessions(sql: Sql, now: Date): Promise<void> {
  await sql`delete from sessions where expires_at <= ${now}`;
}

export interface SessionRow {
  id: string;
  kind: 'admin' | 'project';
  projectId: string | null;
  expiresAt: Date;
}

/**
 * The session of a secret's hash while it is valid: before its expiry (as of `now`, the app's
 * clock), and while what it was opened with still is: the admin token in force (by its hash), or
 * a live project token (the database's clock, as for the token itself: rotation expires tokens
 * with it).
 */
export async function findSession(
  sql: Sql,
  secretHash: string,
  options: { now: Date; adminTokenHash: string },
): Promise<SessionRow | undefined> {
  const [row] = await sql<SessionRow[]>`
    select s.id, s.kind, s.project_id as "projectId", s.expires_at as "expiresAt"
    from sessions s
    where s.secret_hash = ${secretHash} and s.expires_at > ${options.now}
      and case when s.kind = 'admin' then s.admin_token_hash = ${options.adminTokenHash}
        else exists (
          select 1 from project_tokens t
          where t.id = s.token_id and t.project_id = s.project_id
            and (t.expires_at is null or t.expires_at > now()))
        end`;
  return row;
}

/** Ends a session (a logout); nothing happens for an unknown secret. */
export async function deleteSession(sql: Sql, secretHash: string): Promise<void> {
  await sql`delete from sessions where secret_hash = ${secretHash}`;
}
