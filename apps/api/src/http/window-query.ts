import { z } from 'zod';
import type { Config } from '../config.ts';
import type { WindowSpec } from '../db/queries/flaky-tests.ts';
import { MAX_WINDOW_DAYS, windowStartDay } from '../flakiness/window.ts';

/** `days` (1–365, default FLAKE_WINDOW_DAYS) and `branch` (exact name), shared by the read endpoints. */
export const windowQueryShape = {
  days: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(MAX_WINDOW_DAYS, `must be at most ${MAX_WINDOW_DAYS}`)
    .optional(),
  branch: z.string().max(255).optional(),
};

export function windowSpec(
  config: Config,
  days: number | undefined,
  branch: string | undefined,
): WindowSpec & { days: number } {
  const effectiveDays = days ?? config.FLAKE_WINDOW_DAYS;
  return {
    days: effectiveDays,
    startDay: windowStartDay(effectiveDays),
    branch,
    isDefault: effectiveDays === config.FLAKE_WINDOW_DAYS && branch === undefined,
  };
}
