import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { assertCanRead, requireViewer } from '../http/auth.ts';
import { cursorId, cursorIndex, cursorTime, decodeCursor, page } from '../http/pagination.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { resolveWindow, windowQueryShape } from '../http/window-query.ts';
import { ApiError } from '../errors.ts';
import { listFlakyTests } from '../db/queries/flaky-tests.ts';
import { listTestErrorGroups } from '../db/queries/error-groups.ts';
import { getTest, listTestHistory, type TestRow } from '../db/queries/test-history.ts';
import { listCommitFlakes, listFlakyResults } from '../db/queries/test-reason.ts';
import { windowStartDay } from '../domain/window.ts';
import { readFlipRates, toFlakyTestItem } from '../flakiness/flaky-tests-page.ts';
import { readSiblingStats } from '../flakiness/test-siblings.ts';
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

/** The latest flaky results and commit flakes a test's detail shows as the reason it is flagged. */
const REASON_LIMIT = 10;

testRoutes.get('/tests/:testId', requireViewer(), async (c) => {
  const { database, config } = c.get('deps');
  const test = await readableTest(c);
  const query = validate(detailQuery, c.req.query(), 'query parameters');
  const window = await resolveWindow(
    database.read,
    config,
    test.projectId,
    query,
    c.get('deps').now(),
  );
  const scope = {
    projectId: test.projectId,
    testId: test.id,
    since: window.startDay,
    branch: window.branch,
    limit: REASON_LIMIT,
  };
  const [rows, flips, siblings, flakyResults, commitFlakes] = await Promise.all([
    listFlakyTests(database.read, test.projectId, {
      window,
      status: 'any',
      testIds: [test.id],
      sort: 'title',
      order: 'asc',
      limit: 1,
    }),
    readFlipRates(database.read, test.projectId, [test.id], window),
    readSiblingStats(database.read, test.projectId, test.id, window),
    listFlakyResults(database.read, scope),
    listCommitFlakes(database.read, scope),
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
    siblings,
    reason: {
      flakyRuns: flakyResults.map((r) => ({
        runId: r.runId,
        startedAt: r.startedAt.toISOString(),
        branch: r.branch,
        commit: r.commit,
        attempts: r.attempts,
        url: runUrl(config.publicUrl, r.runId),
      })),
      commitFlakes: commitFlakes.map((f) => ({
        commit: f.commit,
        branch: f.branch,
        passedRunId: f.passedRunId,
        failedRunId: f.failedRunId,
        lastSeenAt: f.lastSeenAt.toISOString(),
      })),
    },
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
    database.read,
    config,
    test.projectId,
    query,
    c.get('deps').now(),
  );
  const after = decodeCursor(query.cursor, historyCursor);
  const rows = await listTestHistory(database.read, {
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

const errorsQuery = z.strictObject(windowQueryShape);

/** Error groups of one test: few signatures in practice; past this many, the rarest are left out. */
const MAX_ERROR_GROUPS = 50;

testRoutes.get('/tests/:testId/errors', requireViewer(), async (c) => {
  const { database, config, now } = c.get('deps');
  const test = await readableTest(c);
  const query = validate(errorsQuery, c.req.query(), 'query parameters');
  const groups = await listTestErrorGroups(database.read, {
    projectId: test.projectId,
    testId: test.id,
    since: windowStartDay(query.days ?? config.FLAKE_WINDOW_DAYS, now()),
    branch: query.branch,
    limit: MAX_ERROR_GROUPS,
  });
  return c.json({
    items: groups.map((g) => ({
      signature: g.signature,
      message: g.message,
      failures: g.failures,
      firstSeenAt: g.firstSeenAt.toISOString(),
      lastSeenAt: g.lastSeenAt.toISOString(),
      lastRunId: g.lastRunId,
    })),
    nextCursor: null,
  });
});
