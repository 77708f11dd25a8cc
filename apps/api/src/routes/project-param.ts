import type { Context } from 'hono';
import { assertCanRead } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { ApiError } from '../errors.ts';
import { findProject, type ProjectRow } from '../db/queries/projects.ts';

/** The `:project` of the path (id or slug), readable by the caller, or 404. */
export async function readableProject(c: Context<AppEnv>): Promise<ProjectRow> {
  const key = c.req.param('project') ?? '';
  const project = await findProject(c.get('deps').database.sql, key);
  if (!project) throw new ApiError('not_found', `Project "${key}" not found`);
  assertCanRead(c.get('principal'), project.id, `Project "${key}"`);
  return project;
}
