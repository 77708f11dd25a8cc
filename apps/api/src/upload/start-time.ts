import type { Sql } from '../db/client.ts';
import { ensurePartitions, monthStart } from '../db/partitions.ts';
import { DAY_MS } from '../domain/window.ts';

/** The report's start is outside what is kept: nothing of it is stored. */
export class StartTimeOutOfRange extends Error {
  constructor(
    /** The report field the start was read from, e.g. `stats.startTime`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StartTimeLimits {
  now: Date;
  /** RETENTION_MONTHS: older runs would be deleted by the next retention, or never (far future). */
  retentionMonths: number;
}

/**
 * Accepts a run part's start within [now − retentionMonths, now + 1 day] (a day of clock skew)
 * and makes sure its month's partition is attached, in a short transaction of its own: called
 * before the upload's transaction, never inside it (see ensurePartitions).
 */
export async function prepareRunStart(
  sql: Sql,
  startedAt: Date,
  field: string,
  limits: StartTimeLimits,
): Promise<void> {
  const earliest = monthsBefore(limits.now, limits.retentionMonths);
  const latest = new Date(limits.now.getTime() + DAY_MS);
  const at = startedAt.toISOString();
  if (startedAt < earliest) {
    throw new StartTimeOutOfRange(
      field,
      `${at} is more than ${limits.retentionMonths} months ago (RETENTION_MONTHS); runs must start after ${earliest.toISOString()}`,
    );
  }
  if (startedAt > latest) {
    throw new StartTimeOutOfRange(
      field,
      `${at} is more than a day in the future; runs must start before ${latest.toISOString()}`,
    );
  }
  await ensurePartitions(sql, [monthStart(startedAt)]);
}

/** The same time of day `months` calendar months earlier, on the month's last day if shorter. */
export function monthsBefore(at: Date, months: number): Date {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const shifted = new Date(at);
  shifted.setUTCFullYear(year, month, Math.min(at.getUTCDate(), lastDay));
  return shifted;
}
