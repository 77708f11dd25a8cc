import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../errors.ts';
import { findSession, SESSION_PREFIX } from '../db/queries/sessions.ts';
import { findProjectByToken, hashProjectToken } from '../db/queries/tokens.ts';
import type { AppEnv, Principal } from './types.ts';

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The cookie the dashboard keeps its session in; a browser calling the API sends it too. */
export const SESSION_COOKIE = 'flk_session';

interface Credential {
  value: string;
  from: 'header' | 'cookie';
}

/** Bearer token, else `x-api-key` (reporter compatibility), else the dashboard's session cookie. */
function presentedCredential(c: Context<AppEnv>): Credential | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'Authorization header must be "Bearer <token>"');
    return { value: match[1] as string, from: 'header' };
  }
  const apiKey = c.req.header('x-api-key')?.trim();
  if (apiKey) return { value: apiKey, from: 'header' };
  const cookie = getCookie(c, SESSION_COOKIE)?.trim();
  return cookie ? { value: cookie, from: 'cookie' } : undefined;
}

/**
 * Every session secret the request presents (header, `x-api-key`, cookie), for a logout, which
 * never fails: a malformed header or a token is simply not a session.
 */
export function presentedSessionSecrets(c: Context<AppEnv>): string[] {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const candidates = [bearer, c.req.header('x-api-key')?.trim(), getCookie(c, SESSION_COOKIE)];
  return candidates.filter(
    (value): value is string => value !== undefined && value.startsWith(SESSION_PREFIX),
  );
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(presented).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

export function isAdminToken(token: string, adminToken: string): boolean {
  return sameSecret(token, adminToken);
}

async function resolveSession(c: Context<AppEnv>, secret: string): Promise<Principal> {
  const { adminToken, database, now } = c.get('deps');
  // Looked up by its hash, like project tokens: the secret itself is never stored.
  const row = secret.startsWith(SESSION_PREFIX)
    ? await findSession(database.sql, sha256Hex(secret), {
        now: now(),
        adminTokenHash: sha256Hex(adminToken),
      })
    : undefined;
  if (!row) throw new ApiError('unauthorized', 'Invalid or expired session: log in again');
  const session = { id: row.id, expiresAt: row.expiresAt };
  return row.kind === 'admin'
    ? { kind: 'admin', session }
    : { kind: 'project', projectId: row.projectId as string, session };
}

async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const credential = presentedCredential(c);
  if (!credential)
    throw new ApiError('unauthorized', 'Missing credentials: send "Authorization: Bearer <token>"');
  const { value: token } = credential;
  const { adminToken, database } = c.get('deps');
  if (credential.from === 'header' && isAdminToken(token, adminToken)) return { kind: 'admin' };
  // A cookie only ever holds a session: tokens are sent as headers.
  if (credential.from === 'cookie' || token.startsWith(SESSION_PREFIX)) {
    return resolveSession(c, token);
  }
  // Project tokens are looked up by their SHA-256 hash, never by the token itself.
  const projectId = token.startsWith('flk_')
    ? await findProjectByToken(database.sql, hashProjectToken(token))
    : undefined;
  if (!projectId) throw new ApiError('unauthorized', 'Invalid or expired token');
  return { kind: 'project', projectId };
}

/** A session gives read access only: writing and administering need a token. */
function refuseSession(principal: Principal): void {
  if (principal.session)
    throw new ApiError('forbidden', 'A dashboard session can only read; use a token');
}

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await resolvePrincipal(c);
    refuseSession(principal);
    if (principal.kind !== 'admin')
      throw new ApiError('forbidden', 'This endpoint needs the admin token');
    c.set('principal', principal);
    await next();
  };
}

export function requireProjectToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await resolvePrincipal(c);
    refuseSession(principal);
    if (principal.kind !== 'project') {
      throw new ApiError('forbidden', 'This endpoint needs a project token');
    }
    c.set('principal', principal);
    await next();
  };
}

/**
 * Admin, a project token (which may read its own project only; see `assertCanRead`), or a
 * dashboard session of either.
 */
export function requireViewer(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', await resolvePrincipal(c));
    await next();
  };
}

/**
 * Another project's data answers 404, like data that does not exist, so a token cannot probe which
 * projects or runs exist elsewhere.
 */
export function assertCanRead(principal: Principal, projectId: string, what = 'Resource'): void {
  if (principal.kind === 'project' && principal.projectId !== projectId) {
    throw new ApiError('not_found', `${what} not found`);
  }
}
