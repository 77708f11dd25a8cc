import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import { decodeCursor, page } from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { windowQueryShape } from '../http/window-query.ts';
import { windowStartDay } from '../domain/window.ts';
import { listErrorGroups } from '../db/queries/error-groups.ts';
import { readableProject } from './project-param.ts';

export const errorRoutes = new Hono<AppEnv>();

const errorsQuery = z.strictObject({
  days: windowQueryShape.days,
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(100).optional(),
});

/** Groups are ranked by count, which moves as failures arrive: the cursor is the offset. */
const offsetCursor = z.number().int().min(0);

errorRoutes.get('/projects/:project/errors', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(errorsQuery, c.req.query(), 'query parameters');
  const offset = decodeCursor(query.cursor, offsetCursor) ?? 0;
  const rows = await listErrorGroups(database.read, {
    projectId: project.id,
    since: windowStartDay(query.days ?? config.FLAKE_WINDOW_DAYS, c.get('deps').now()),
    limit: query.limit,
    offset,
  });
  return c.json(
    page(
      rows,
      query.limit,
      (g) => ({
        signature: g.signature,
        message: g.message,
        failures: g.failures,
        tests: g.tests,
        runs: g.runs,
        firstSeenAt: g.firstSeenAt.toISOString(),
        lastSeenAt: g.lastSeenAt.toISOString(),
        sampleTests: g.sampleTests,
      }),
      () => offset + query.limit,
    ),
  );
});
