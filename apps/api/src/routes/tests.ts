import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { assertCanRead, requireViewer } from '../http/auth.ts';
import { cursorId, cursorIndex, cursorTime, decodeCursor, page } from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { resolveWindow, windowQueryShape } from '../http/window-query.ts';
import { ApiError } from '../errors.ts';
import { listFlakyTests } from '../db/queries/flaky-tests.ts';
import { getTest, listTestHistory, type TestRow } from '../db/queries/test-history.ts';
import { readFlipRates, toFlakyTestItem } from '../flakiness/flaky-tests-page.ts';
import { runUrl, toResultDto } from './dto.ts';

export const testRoutes = new Hono<AppEnv>();

async function readableTest(c: Context<AppEnv>): Promise<TestRow> {
  const testId = c.req.param('testId') ?? '';
  const test = await getTest(c.get('deps').database.sql, testId);
  if (!test) throw new ApiError('not_found', `Test "${testId}" not found`);
  assertCanRead(c.get('principal'), test.projectId, `Test "${testId}"`);
  return test;
}

const detailQuery = z.strictObject(windowQueryShape);

testRoutes.get('/tests/:testId', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const test = await readableTest(c);
  const query = validate(detailQuery, c.req.query(), 'query parameters');
  const window = await resolveWindow(
    database.sql,
    config,
    test.projectId,
    query,
    c.get('deps').now(),
  );
  const [rows, flips] = await Promise.all([
    listFlakyTests(database.sql, test.projectId, {
      window,
      status: 'any',
      testIds: [test.id],
      sort: 'title',
      order: 'asc',
      limit: 1,
    }),
    readFlipRates(database.sql, test.projectId, [test.id], window),
  ]);
  const row = rows[0];
  return c.json({
    test: {
      id: test.id,
      projectId: test.projectId,
      title: test.title,
      titlePath: test.titlePath,
      file: test.file,
      projectName: test.projectName,
      tags: test.tags,
      playwrightId: test.playwrightId,
      line: test.line,
      column: test.column,
      firstSeenAt: test.firstSeenAt.toISOString(),
    },
    days: window.days,
    branch: window.branch ?? null,
    stats: row ? toFlakyTestItem(row, flips.get(test.id) ?? 0) : null,
  });
});

const historyQuery = z.strictObject({
  ...windowQueryShape,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional(),
});

/** [created at, run id, part id, repeat index] of a page's last result: the history's full order. */
const historyCursor = z.tuple([cursorTime, cursorId, cursorId, cursorIndex]);

testRoutes.get('/tests/:testId/history', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const test = await readableTest(c);
  const query = validate(historyQuery, c.req.query(), 'query parameters');
  const window = await resolveWindow(
    database.sql,
    config,
    test.projectId,
    query,
    c.get('deps').now(),
  );
  const after = decodeCursor(query.cursor, historyCursor);
  const rows = await listTestHistory(database.sql, {
    projectId: test.projectId,
    testId: test.id,
    since: window.startDay,
    branch: window.branch,
    limit: query.limit,
    after: after && {
      createdAt: after[0],
      runId: after[1],
      partId: after[2],
      repeatIndex: after[3],
    },
  });
  return c.json(
    page(
      rows,
      query.limit,
      (r) => ({
        runId: r.runId,
        startedAt: r.createdAt.toISOString(),
        ...toResultDto(r),
        branch: r.branch,
        commit: r.commit,
        runStatus: r.runStatus,
        excludedFromStats: r.excludedFromStats,
        ciRunUrl: r.ciRunUrl,
        url: runUrl(config.publicUrl, r.runId),
      }),
      (r) => [r.createdAt.toISOString(), r.runId, r.partId, r.repeatIndex],
    ),
  );
});
