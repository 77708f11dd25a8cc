import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import { decodeCursor, encodeCursor } from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { resolveWindow, windowQueryShape } from '../http/window-query.ts';
import { readFlakyTestsPage } from '../flakiness/flaky-tests-page.ts';
import { readableProject } from './project-param.ts';

export const flakyTestRoutes = new Hono<AppEnv>();

const flakyTestsQuery = z.strictObject({
  ...windowQueryShape,
  status: z.enum(['active', 'resolved', 'all']).default('active'),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(['flakeRate', 'lastSeen', 'title', 'runs']).default('flakeRate'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(1000).optional(),
});

const flakyCursor = z.tuple([
  z.union([z.string(), z.number(), z.null()]),
  z.string().regex(/^\d{1,18}$/),
]);

flakyTestRoutes.get('/projects/:project/flaky-tests', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(flakyTestsQuery, c.req.query(), 'query parameters');
  const after = decodeCursor(query.cursor, flakyCursor);
  const window = await resolveWindow(database.sql, config, project.id, query, c.get('deps').now());
  // Titles read naturally A→Z; numbers (rate, runs, last seen) highest first.
  const order = query.order ?? (query.sort === 'title' ? 'asc' : 'desc');
  const { rows, items } = await readFlakyTestsPage(database.sql, project.id, {
    window,
    status: query.status,
    q: query.q || undefined,
    sort: query.sort,
    order,
    limit: query.limit,
    after: after && { value: after[0], testId: after[1] },
  });
  const last = rows[query.limit - 1];
  const sortValue = (v: unknown) =>
    v instanceof Date ? v.toISOString() : (v as string | number | null);
  return c.json({
    items,
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor([sortValue(last.sortValue), last.testId])
        : null,
  });
});
