/**
 * A whole array parameter as one text value, `{1,2,NULL}`, cast in SQL (`${numberArray(x)}::int[]`).
 * postgres.js serialises array parameters element by element with type inference and quoting,
 * which costs ~3× more than this for the 10,000-element number columns an upload sends. Only for
 * values that never need quoting: numbers, numeric ids and ISO dates (YYYY-MM-DD).
 */
export function numberArray(values: readonly (number | string | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i];
    text += value === null || value === undefined ? 'NULL' : value;
  }
  return text + '}';
}

const QUOTED = /["\\]/g;

/**
 * Text values as one array literal, `{"a","b\"c",NULL}`, cast in SQL (`${textArray(x)}::text[]`).
 * Faster than postgres.js's serialiser for the mostly-NULL text columns of an upload.
 */
export function textArray(values: readonly (string | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i];
    text += value === null || value === undefined ? 'NULL' : `"${value.replace(QUOTED, '\\$&')}"`;
  }
  return text + '}';
}
