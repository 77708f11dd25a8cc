import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';
import { findProjectByToken, hashProjectToken } from '../db/queries/tokens.ts';
import type { AppEnv, Principal } from './types.ts';

/** Bearer token, or `x-api-key` for reporter compatibility. */
export function presentedToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'Authorization header must be "Bearer <token>"');
    return match[1];
  }
  return c.req.header('x-api-key')?.trim() || undefined;
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function isAdminToken(token: string, adminToken: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(token).digest(),
    createHash('sha256').update(adminToken).digest(),
  );
}

async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const token = presentedToken(c);
  if (!token)
    throw new ApiError('unauthorized', 'Missing credentials: send "Authorization: Bearer <token>"');
  const { adminToken, database } = c.get('deps');
  if (isAdminToken(token, adminToken)) return { kind: 'admin' };
  // Project tokens are looked up by their SHA-256 hash, never by the token itself.
  const projectId = token.startsWith('flk_')
    ? await findProjectByToken(database.sql, hashProjectToken(token))
    : undefined;
  if (!projectId) throw new ApiError('unauthorized', 'Invalid or expired token');
  return { kind: 'project', projectId };
}

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await resolvePrincipal(c);
    if (principal.kind !== 'admin')
      throw new ApiError('forbidden', 'This endpoint needs the admin token');
    c.set('principal', principal);
    await next();
  };
}

export function requireProjectToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await resolvePrincipal(c);
    if (principal.kind !== 'project') {
      throw new ApiError('forbidden', 'This endpoint needs a project token');
    }
    c.set('principal', principal);
    await next();
  };
}

/** Admin, or a project token (which may read its own project only; see `assertCanRead`). */
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
