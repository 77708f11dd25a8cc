/** Windows count whole UTC days of run start time, ending today (DESIGN.md §4). */

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC day of a time, YYYY-MM-DD: windows count whole days of run start time. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** The longest window (`days`) a read may ask for. */
export const MAX_WINDOW_DAYS = 365;

/** Every day (YYYY-MM-DD) from `startDay` to `now`'s day, oldest first. */
export function daysFrom(startDay: string, now: Date): string[] {
  const days: string[] = [];
  const end = dayOf(now);
  for (let at = Date.parse(`${startDay}T00:00:00.000Z`); dayOf(new Date(at)) <= end; at += DAY_MS) {
    days.push(dayOf(new Date(at)));
  }
  return days;
}

/** First day (UTC, YYYY-MM-DD) of a `days`-day window ending on `now`'s day. */
export function windowStartDay(days: number, now: Date): string {
  return dayOf(new Date(now.getTime() - (days - 1) * DAY_MS));
}
