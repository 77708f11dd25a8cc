import { z } from 'zod';
import { ApiError } from '../errors.ts';

/** Opaque cursors: base64url JSON of the keyset position of a page's last row. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position a cursor holds, or undefined without one. Anything but a cursor this API issued is
 * a 400 naming `cursor`: a forged value must never reach SQL, where a wrong type or a number out of
 * a column's range would be a 500.
 */
export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('is not a cursor this API issued');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor('is not a cursor this API issued');
  return parsed.data;
}

export function invalidCursor(message: string): ApiError {
  return new ApiError('validation_failed', 'Invalid cursor', [{ path: 'cursor', message }]);
}

// The parts of a keyset position, exactly as the API writes them.

/** A bigint identity (ids start at 1); 18 digits stay below 2^63. */
export const cursorId = z.string().regex(/^[1-9][0-9]{0,17}$/);

/** A time as Date.toISOString() writes it, of a real calendar day from year 1 on. */
export const cursorTime = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/)
  .refine((value) => {
    const time = new Date(value);
    return (
      !Number.isNaN(time.getTime()) && time.toISOString() === value && !value.startsWith('0000')
    );
  });

/** A count kept in an integer column. */
export const cursorCount = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** A smallint index (repeat_index). */
export const cursorIndex = z
  .number()
  .int()
  .min(0)
  .max(2 ** 15 - 1);

/** `{"items": [...], "nextCursor"}` from a query that fetched limit + 1 rows. */
export function page<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  position: (row: Row) => unknown,
): { items: Item[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(toItem),
    nextCursor: more && last !== undefined ? encodeCursor(position(last)) : null,
  };
}
