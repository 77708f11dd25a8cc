import { Hono } from 'hono';
import { requireViewer } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { listProjects } from '../db/queries/projects.ts';
import { toProjectDto } from './project-dto.ts';
import { readableProject } from './project-param.ts';

export const projectRoutes = new Hono<AppEnv>();

/** The projects the caller may read: all for the admin, its own for a project token. */
projectRoutes.get('/projects', requireViewer(), async (c) => {
  const principal = c.get('principal');
  const rows = await listProjects(
    c.get('deps').database.read,
    principal.kind === 'project' ? principal.projectId : undefined,
  );
  return c.json({ items: rows.map(toProjectDto), nextCursor: null });
});

projectRoutes.get('/projects/:project', requireViewer(), async (c) => {
  return c.json({ project: toProjectDto(await readableProject(c)) });
});
