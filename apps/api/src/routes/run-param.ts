import type { Context } from 'hono';
import { assertCanRead } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { ApiError } from '../errors.ts';
import { getRun, type RunRow } from '../db/queries/runs.ts';

/** The `:runId` of the path, readable by the caller, or 404. */
export async function readableRun(c: Context<AppEnv>): Promise<RunRow> {
  const runId = c.req.param('runId') ?? '';
  const run = await getRun(c.get('deps').database.sql, runId);
  if (!run) throw new ApiError('not_found', `Run "${runId}" not found`);
  assertCanRead(c.get('principal'), run.projectId, `Run "${runId}"`);
  return run;
}
