import type { z } from 'zod';
import { ApiError } from '../errors.ts';

/** Opaque cursors: base64url JSON of the keyset position of a page's last row. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ApiError('validation_failed', 'Invalid cursor', [
      { path: 'cursor', message: 'is not a cursor this API issued' },
    ]);
  }
}

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
