import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import { cursorId, cursorIndex, cursorTime, decodeCursor, page } from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { safeTextParam } from '../http/safe-text-param.ts';
import { validate } from '../http/validate.ts';
import { listRunDeliveries } from '../db/queries/deliveries.ts';
import { listRunResultsPage } from '../db/queries/run-results.ts';
import { listRunParts, listRunResults, listRuns } from '../db/queries/runs.ts';
import { toDeliveryDto, toRunDto, toRunPartDto, toRunResultDto } from './dto.ts';
import { readableProject } from './project-param.ts';
import { readableRun } from './run-param.ts';

export const runRoutes = new Hono<AppEnv>();

const runStatuses = [
  'passed',
  'failed',
  'interrupted',
  'timedout',
  'running',
  'cancelled',
] as const;

const listRunsQuery = z.strictObject({
  source: z.enum(['upload', 'live']).optional(),
  branch: safeTextParam(255).pipe(z.string().min(1)).optional(),
  status: z.enum(runStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
});

/** [started at, run id] of a page's last run. */
const runCursor = z.tuple([cursorTime, cursorId]);

runRoutes.get('/projects/:project/runs', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const project = await readableProject(c);
  const query = validate(listRunsQuery, c.req.query(), 'query parameters');
  const after = decodeCursor(query.cursor, runCursor);
  const rows = await listRuns(database.read, project.id, {
    ...query,
    after: after && { startedAt: after[0], id: after[1] },
  });
  return c.json(
    page(
      rows,
      query.limit,
      (run) => toRunDto(run, config.publicUrl),
      (run) => [run.startedAt.toISOString(), run.id],
    ),
  );
});

runRoutes.get('/runs/:runId', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const run = await readableRun(c);
  const [parts, results, deliveries] = await Promise.all([
    listRunParts(database.read, run.projectId, run.id),
    listRunResults(database.read, run.projectId, run.id),
    listRunDeliveries(database.read, run.projectId, run.id),
  ]);
  return c.json({
    run: toRunDto(run, config.publicUrl),
    parts: parts.map(toRunPartDto),
    results: results.map(toRunResultDto),
    deliveries: deliveries.map(toDeliveryDto),
  });
});

const outcomes = ['expected', 'unexpected', 'flaky', 'skipped'] as const;

const runResultsQuery = z.strictObject({
  outcome: z.enum(outcomes).optional(),
  q: safeTextParam(200)
    .transform((q) => q.trim())
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional(),
});

/**
 * [outcome, test id, repeat index, part id] of a page's last result: the test stands for its file,
 * title path and project (unbounded text), which the query reads back.
 */
const runResultCursor = z.tuple([z.enum(outcomes), cursorId, cursorIndex, cursorId]);

runRoutes.get('/runs/:runId/results', requireViewer(), async (c) => {
  const { database } = c.get('deps');
  const run = await readableRun(c);
  const query = validate(runResultsQuery, c.req.query(), 'query parameters');
  const after = decodeCursor(query.cursor, runResultCursor);
  const rows = await listRunResultsPage(database.read, run.projectId, run.id, {
    outcome: query.outcome,
    q: query.q || undefined,
    limit: query.limit,
    after: after && {
      outcome: after[0],
      testId: after[1],
      repeatIndex: after[2],
      partId: after[3],
    },
  });
  return c.json(
    page(rows, query.limit, toRunResultDto, (r) => [r.outcome, r.testId, r.repeatIndex, r.partId]),
  );
});
