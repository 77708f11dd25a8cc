import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { readJson } from '../http/json-body.ts';
import { ApiError } from '../errors.ts';
import {
  deleteIntegration,
  findIntegration,
  listProjectIntegrations,
  updateIntegrationSettings,
  upsertIntegration,
  type IntegrationRow,
} from '../db/queries/integrations.ts';
import { defaultBaseUrl, normalizeRepository } from '../scm/providers/index.ts';
import { scmProviders, type ScmProviderName } from '../scm/types.ts';
import { integrationTokenContext, sealToken, tokenFingerprint } from '../scm/token-keys.ts';
import { readableProject } from './project-param.ts';

/**
 * A project's integration with a code platform (DESIGN.md §7). Mounted inside the admin routes,
 * whose requireAdmin guards every path here. The token goes in, sealed, and never comes out: the
 * answers, the logs and the errors show its fingerprint at most.
 */
export const integrationRoutes = new Hono<AppEnv>();

// Whitespace, control and format characters (zero-width, bidi marks) never belong in a path or a
// token; a lone surrogate cannot be stored.
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Z}]/u;
const FORMAT_CHARACTER = /\p{Cf}/u;

const providerParam = z.object({
  provider: z.enum(scmProviders, { error: `must be one of ${scmProviders.join(', ')}` }),
});

const tokenSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1000, 'must be at most 1000 characters')
  // The messages never quote the value: it is a secret.
  .refine((v) => v.isWellFormed() && !INVISIBLE.test(v), {
    message: 'must not hold spaces, line breaks or control characters',
  });

const baseUrlSchema = z
  .string()
  .max(500, 'must be at most 500 characters')
  .transform((value, ctx) => {
    const refuse = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!value.isWellFormed() || INVISIBLE.test(value))
      return refuse('must not hold spaces or control characters');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return refuse('must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      return refuse('must be an http(s) URL');
    // Credentials belong in the token, never in a URL that is shown and logged.
    if (url.username || url.password) return refuse('must not hold credentials');
    if (value.includes('?') || value.includes('#'))
      return refuse('must not hold a query or a fragment');
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  });

/** The platform's repository shape (providers/index.ts says which), in well-formed text. */
function repositorySchema(provider: ScmProviderName) {
  return z
    .string()
    .max(300, 'must be at most 300 characters')
    .superRefine((value, ctx) => {
      const problem =
        !value.isWellFormed() || FORMAT_CHARACTER.test(value)
          ? 'Repository has an invisible or malformed character'
          : normalizeRepository(provider, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

function integrationSchema(provider: ScmProviderName) {
  return z.strictObject({
    token: tokenSchema.optional(),
    baseUrl: baseUrlSchema.optional(),
    repository: repositorySchema(provider),
    comments: z.boolean().default(true),
    statuses: z.boolean().default(true),
  });
}

function toIntegrationDto(row: IntegrationRow) {
  return {
    provider: row.provider,
    baseUrl: row.baseUrl,
    repository: row.repository,
    comments: row.comments,
    statuses: row.statuses,
    tokenFingerprint: row.tokenFingerprint,
    tokenKeyId: row.tokenKeyId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const providerOf = (provider: string | undefined): ScmProviderName =>
  validate(providerParam, { provider }, 'provider').provider;

integrationRoutes.get('/projects/:project/integrations', async (c) => {
  const project = await readableProject(c);
  const rows = await listProjectIntegrations(c.get('deps').database.sql, project.id);
  return c.json({ items: rows.map(toIntegrationDto), nextCursor: null });
});

integrationRoutes.get('/projects/:project/integrations/:provider', async (c) => {
  const project = await readableProject(c);
  const provider = providerOf(c.req.param('provider'));
  const row = await findIntegration(c.get('deps').database.sql, project.id, provider);
  if (!row)
    throw new ApiError('not_found', `Project "${project.slug}" has no ${provider} integration`);
  return c.json({ integration: toIntegrationDto(row) });
});

/**
 * Creates or replaces the integration. PUT replaces every setting (an omitted `baseUrl`,
 * `comments` or `statuses` takes its default), except the token: omitted, the stored one stays.
 */
integrationRoutes.put('/projects/:project/integrations/:provider', async (c) => {
  const { database, encryptionKeys } = c.get('deps');
  const project = await readableProject(c);
  const provider = providerOf(c.req.param('provider'));
  if (!encryptionKeys) {
    throw new ApiError(
      'encryption_not_configured',
      'ENCRYPTION_KEY is not set, so provider tokens cannot be stored: set it (e.g. to the output of `openssl rand -base64 32`) and restart',
    );
  }
  const body = validate(integrationSchema(provider), await readJson(c), 'integration');
  const settings = {
    baseUrl: body.baseUrl ?? defaultBaseUrl(provider),
    repository: body.repository,
    comments: body.comments,
    statuses: body.statuses,
  };
  let row: IntegrationRow | undefined;
  let created = false;
  if (body.token !== undefined) {
    const sealed = sealToken(
      encryptionKeys,
      body.token,
      integrationTokenContext(project.id, provider),
    );
    ({ integration: row, created } = await upsertIntegration(
      database.sql,
      project.id,
      provider,
      settings,
      {
        tokenCiphertext: sealed.ciphertext,
        tokenKeyId: sealed.keyId,
        tokenFingerprint: tokenFingerprint(body.token),
      },
    ));
  } else {
    row = await updateIntegrationSettings(database.sql, project.id, provider, settings);
    if (!row) {
      throw new ApiError('validation_failed', 'Invalid integration', [
        { path: 'token', message: 'is required when creating an integration' },
      ]);
    }
  }
  c.get('logger').info(
    {
      projectId: project.id,
      provider,
      created,
      tokenFingerprint: row.tokenFingerprint,
      tokenKeyId: row.tokenKeyId,
    },
    'integration saved',
  );
  return c.json({ integration: toIntegrationDto(row) }, created ? 201 : 200);
});

integrationRoutes.delete('/projects/:project/integrations/:provider', async (c) => {
  const project = await readableProject(c);
  const provider = providerOf(c.req.param('provider'));
  if (!(await deleteIntegration(c.get('deps').database.sql, project.id, provider))) {
    throw new ApiError('not_found', `Project "${project.slug}" has no ${provider} integration`);
  }
  c.get('logger').info({ projectId: project.id, provider }, 'integration deleted');
  return c.body(null, 204);
});
