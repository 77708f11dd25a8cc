import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requireAdmin } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { safeTextParam } from '../http/safe-text-param.ts';
import { validate } from '../http/validate.ts';
import { ApiError } from '../errors.ts';
import { readJson } from '../http/json-body.ts';
import {
  createProject,
  deleteProject,
  findProject,
  listProjectsWithCounts,
} from '../db/queries/projects.ts';
import {
  expireProjectTokens,
  generateProjectToken,
  insertProjectToken,
} from '../db/queries/tokens.ts';
import { readHealth } from '../db/queries/health.ts';
import { toProjectDto } from './project-dto.ts';
import { integrationRoutes } from './integrations.ts';

export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use('*', requireAdmin());

const slugSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single dashes')
  .refine((v) => !/^\d+$/.test(v), 'must not be only digits (it would read as a project id)');

const createProjectSchema = z.strictObject({
  name: safeTextParam(200).pipe(z.string().trim().min(1, 'is required')),
  slug: slugSchema.optional(),
});

/** "My Web App" → "my-web-app". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug.length >= 2 && !/^\d+$/.test(slug) ? slug : `project-${slug || 'x'}`.slice(0, 64);
}

adminRoutes.post('/projects', async (c) => {
  const { database } = c.get('deps');
  const body = validate(createProjectSchema, await readJson(c), 'project');
  const slug = body.slug ?? slugify(body.name);
  const created = await createProject(database.sql, body.name, slug);
  if (!created)
    throw new ApiError('conflict', `A project with slug "${slug}" already exists`, { slug });
  // The token is shown once; only its hash is stored.
  const { project, token } = created;
  return c.json({ project: toProjectDto(project), token }, 201);
});

adminRoutes.get('/projects', async (c) => {
  const { database } = c.get('deps');
  const rows = await listProjectsWithCounts(database.sql);
  return c.json({
    items: rows.map((p) => ({
      ...toProjectDto(p),
      runCount: p.runCount,
      resultCount: p.resultCount,
      lastUploadAt: p.lastUploadAt?.toISOString() ?? null,
    })),
    nextCursor: null,
  });
});

async function requireProject(c: Context<AppEnv>, key: string) {
  const project = await findProject(c.get('deps').database.sql, key);
  if (!project) throw new ApiError('not_found', `Project "${key}" not found`);
  return project;
}

adminRoutes.delete('/projects/:project', async (c) => {
  const project = await requireProject(c, c.req.param('project'));
  const { database } = c.get('deps');
  await deleteProject(database.sql, project.id);
  database.testIds.forget(project.id);
  return c.body(null, 204);
});

const rotateSchema = z.strictObject({
  graceSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(30 * 24 * 3600, 'must be at most 30 days')
    .optional(),
});

adminRoutes.post('/projects/:project/rotate-token', async (c) => {
  const { database } = c.get('deps');
  const project = await requireProject(c, c.req.param('project'));
  const body = validate(rotateSchema, await readJson(c, { optional: true }), 'rotation');
  const token = generateProjectToken();
  await database.sql.begin(async (tx) => {
    await expireProjectTokens(tx, project.id, body.graceSeconds ?? 0);
    await insertProjectToken(tx, project.id, token);
  });
  return c.json({ token, graceSeconds: body.graceSeconds ?? 0 });
});

// After the use('*') above: requireAdmin guards these too.
adminRoutes.route('/', integrationRoutes);

adminRoutes.get('/health', async (c) => {
  const deps = c.get('deps');
  return c.json(await readHealth(deps.database, deps.startedAt, deps.now()));
});
