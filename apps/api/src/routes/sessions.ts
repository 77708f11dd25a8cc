import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { isAdminToken, presentedSessionSecrets, requireViewer, sha256Hex } from '../http/auth.ts';
import { readJson } from '../http/json-body.ts';
import type { AppEnv, Principal } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { ApiError } from '../errors.ts';
import { findProject } from '../db/queries/projects.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  generateSessionSecret,
  insertSession,
  type SessionCredential,
} from '../db/queries/sessions.ts';
import { findLiveToken, hashProjectToken } from '../db/queries/tokens.ts';

/** Dashboard logins: a token becomes a read-only session, presented as Bearer or cookie. */
export const sessionRoutes = new Hono<AppEnv>();

const HOUR_MS = 3_600_000;

type Viewer =
  | { kind: 'admin' }
  | { kind: 'project'; projectId: string; projectSlug: string; projectName: string };

const loginSchema = z.strictObject({
  token: z.string().min(1, 'is required').max(1000, 'must be at most 1000 characters'),
});

const invalidToken = () => new ApiError('unauthorized', 'Invalid or expired token');

/** What the token opens a session as, or 401; `expiresAt` is set when the token itself expires. */
async function identifyToken(
  c: Context<AppEnv>,
  token: string,
): Promise<{ credential: SessionCredential; viewer: Viewer; expiresAt: Date | null }> {
  const { adminToken, database } = c.get('deps');
  if (isAdminToken(token, adminToken)) {
    return {
      credential: { kind: 'admin', adminTokenHash: sha256Hex(adminToken) },
      viewer: { kind: 'admin' },
      expiresAt: null,
    };
  }
  const row = token.startsWith('flk_')
    ? await findLiveToken(database.sql, hashProjectToken(token))
    : undefined;
  if (!row) throw invalidToken();
  return {
    credential: { kind: 'project', projectId: row.projectId, tokenId: row.tokenId },
    viewer: {
      kind: 'project',
      projectId: row.projectId,
      projectSlug: row.projectSlug,
      projectName: row.projectName,
    },
    expiresAt: row.expiresAt,
  };
}

sessionRoutes.post('/sessions', async (c) => {
  const { config, database, now } = c.get('deps');
  const body = validate(loginSchema, await readJson(c), 'login');
  const at = now();
  // Logins are rare: each clears the sessions that expired since, so the table holds live ones.
  await deleteExpiredSessions(database.sql, at);
  const { credential, viewer, expiresAt: tokenExpiresAt } = await identifyToken(c, body.token);
  const ttlEnd = new Date(at.getTime() + config.SESSION_TTL_HOURS * HOUR_MS);
  // A token retired by a rotation (in its grace period) takes its sessions with it.
  const expiresAt = tokenExpiresAt && tokenExpiresAt < ttlEnd ? tokenExpiresAt : ttlEnd;
  const secret = generateSessionSecret();
  await insertSession(database.sql, { secretHash: sha256Hex(secret), credential, expiresAt });
  // The secret is shown once; only its hash is stored.
  return c.json({ session: secret, expiresAt: expiresAt.toISOString(), viewer }, 201);
});

async function describeViewer(c: Context<AppEnv>, principal: Principal): Promise<Viewer> {
  if (principal.kind === 'admin') return { kind: 'admin' };
  const project = await findProject(c.get('deps').database.sql, principal.projectId);
  // Deleted between the credential check and now: its tokens and sessions went with it.
  if (!project) throw new ApiError('unauthorized', 'Invalid or expired credentials');
  return {
    kind: 'project',
    projectId: project.id,
    projectSlug: project.slug,
    projectName: project.name,
  };
}

/** Who the caller is, with any credential; `expiresAt` only for a session. */
sessionRoutes.get('/session', requireViewer(), async (c) => {
  const principal = c.get('principal');
  return c.json({
    viewer: await describeViewer(c, principal),
    expiresAt: principal.session?.expiresAt.toISOString() ?? null,
  });
});

/** A logout never fails: every session the request presents ends, and anything else is ignored. */
sessionRoutes.delete('/session', async (c) => {
  const { database } = c.get('deps');
  for (const secret of presentedSessionSecrets(c)) {
    await deleteSession(database.sql, sha256Hex(secret));
  }
  return c.body(null, 204);
});
