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
    if (value === null || value === undefined) text += 'NULL';
    // Most values need no escaping, and two scans for the two characters cost less than a regex.
    else if (value.indexOf('"') === -1 && value.indexOf('\\') === -1) text += '"' + value + '"';
    else text += '"' + value.replace(QUOTED, '\\$&') + '"';
  }
  return text + '}';
}

/**
 * One array literal per row, inside a text array: `{"{\"a\",\"b\"}","{}"}`. Cast back per row in
 * SQL (`unnest(${nestedTextArray(x)}::text[]) as r(v)` … `r.v::text[]`): the rows' arrays differ
 * in length, which a two-dimensional array cannot hold. Written in one pass rather than as
 * textArray(rows.map(textArray)), which escapes every row's literal a second time.
 */
export function nestedTextArray(rows: readonly (readonly string[])[]): string {
  let text = '{';
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) text += ',';
    const row = rows[i] as readonly string[];
    text += '"{';
    for (let j = 0; j < row.length; j++) {
      if (j > 0) text += ',';
      const value = row[j] as string;
      // An inner value's quotes, escaped once more for the outer literal: \" around it, and \\\"
      // and \\\\ for the quotes and backslashes inside it.
      text +=
        value.indexOf('"') === -1 && value.indexOf('\\') === -1
          ? '\\"' + value + '\\"'
          : '\\"' + value.replace(QUOTED, '\\\\\\$&') + '\\"';
    }
    text += '}"';
  }
  return text + '}';
}
