import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { WindowSpec } from '../db/queries/flaky-tests.ts';
import { MAX_WINDOW_DAYS, windowStartDay } from '../domain/window.ts';
import { isWindowCurrent } from '../flakiness/window.ts';
import { safeTextParam } from './safe-text-param.ts';

/** `days` (1–365, default FLAKE_WINDOW_DAYS) and `branch` (exact name), shared by the read endpoints. */
export const windowQueryShape = {
  days: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(MAX_WINDOW_DAYS, `must be at most ${MAX_WINDOW_DAYS}`)
    .optional(),
  branch: safeTextParam(255).optional(),
};

/**
 * The window a read asks for, as of `now`. The default scope (FLAKE_WINDOW_DAYS, all branches)
 * reads test_stats' maintained counters when they cover today's window; otherwise (another window,
 * a branch, or counters not moved yet today) the daily aggregates are summed.
 */
export async function resolveWindow(
  sql: Sql,
  config: Config,
  projectId: string,
  query: { days?: number | undefined; branch?: string | undefined },
  now: Date,
): Promise<WindowSpec & { days: number }> {
  const days = query.days ?? config.FLAKE_WINDOW_DAYS;
  const defaultScope = days === config.FLAKE_WINDOW_DAYS && query.branch === undefined;
  return {
    days,
    startDay: windowStartDay(days, now),
    branch: query.branch,
    isDefault:
      defaultScope && (await isWindowCurrent(sql, projectId, config.FLAKE_WINDOW_DAYS, now)),
    stateWindow: {
      startDay: windowStartDay(config.FLAKE_WINDOW_DAYS, now),
      days: config.FLAKE_WINDOW_DAYS,
    },
  };
}
