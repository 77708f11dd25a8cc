import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import {
  cursorCount,
  cursorId,
  cursorTime,
  decodeCursor,
  encodeCursor,
  invalidCursor,
} from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { safeTextParam } from '../http/safe-text-param.ts';
import { validate } from '../http/validate.ts';
import { resolveWindow, windowQueryShape } from '../http/window-query.ts';
import type { FlakySort, FlakyTestRow } from '../db/queries/flaky-tests.ts';
import { readFlakyTestsPage } from '../flakiness/flaky-tests-page.ts';
import { readableProject } from './project-param.ts';

export const flakyTestRoutes = new Hono<AppEnv>();

const flakyTestsQuery = z.strictObject({
  ...windowQueryShape,
  status: z.enum(['active', 'resolved', 'all']).default('active'),
  q: safeTextParam(200)
    .transform((q) => q.trim())
    .optional(),
  sort: z.enum(['flakeRate', 'lastSeen', 'title', 'runs']).default('flakeRate'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(1000).optional(),
});

/**
 * [sort, order, sort value, test id] of a page's last row; a title sort holds no title (titles are
 * unbounded and a test's never changes), its position is the test. The sort and order are kept
 * so a cursor is never read under another ordering, where its value would mean nothing.
 */
const order = z.enum(['asc', 'desc']);
const flakyCursor = z.union([
  z.tuple([z.literal('flakeRate'), order, z.number().min(0).max(1), cursorId]),
  z.tuple([z.literal('runs'), order, cursorCount, cursorId]),
  z.tuple([z.literal('lastSeen'), order, cursorTime, cursorId]),
  z.tuple([z.literal('title'), order, cursorId]),
]);
type FlakyCursor = z.infer<typeof flakyCursor>;

function readFlakyCursor(cursor: FlakyCursor | undefined, sort: string, order: string) {
  if (cursor === undefined) return undefined;
  if (cursor[0] !== sort || cursor[1] !== order)
    throw invalidCursor(`was issued for sort=${cursor[0]}&order=${cursor[1]}`);
  return cursor[0] === 'title' ? { testId: cursor[2] } : { value: cursor[2], testId: cursor[3] };
}

function writeFlakyCursor(sort: FlakySort, order: 'asc' | 'desc', row: FlakyTestRow): string {
  if (sort === 'title') return encodeCursor([sort, order, row.testId]);
  const value = row.sortValue instanceof Date ? row.sortValue.toISOString() : row.sortValue;
  return encodeCursor([sort, order, value, row.testId]);
}

flakyTestRoutes.get('/projects/:project/flaky-tests', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(flakyTestsQuery, c.req.query(), 'query parameters');
  const cursor = decodeCursor(query.cursor, flakyCursor);
  const window = await resolveWindow(database.read, config, project.id, query, c.get('deps').now());
  // Titles read naturally A→Z; numbers (rate, runs, last seen) highest first.
  const order = query.order ?? (query.sort === 'title' ? 'asc' : 'desc');
  const after = readFlakyCursor(cursor, query.sort, order);
  const { rows, items } = await readFlakyTestsPage(database.read, project.id, {
    window,
    status: query.status,
    q: query.q || undefined,
    sort: query.sort,
    order,
    limit: query.limit,
    after,
  });
  const last = rows[query.limit - 1];
  return c.json({
    items,
    nextCursor:
      rows.length > query.limit && last ? writeFlakyCursor(query.sort, order, last) : null,
  });
});
