import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { nestedTextArray, numberArray, textArray } from './array-literal.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('array literals', () => {
  it('arrive in the database exactly as written', async () => {
    const texts = [
      'plain',
      null,
      'Expected: "ok"\nReceived: "error"',
      'C:\\tests\\a.spec.ts',
      '',
      'NULL',
      '{a,b}',
      'tab\tand unicode ✓ 𝄞',
    ];
    // Read back as rows: postgres.js parses a returned text[] with NULL into the string "NULL".
    const rows = await t.database.sql<{ value: string | null }[]>`
      select value from unnest(${textArray(texts)}::text[]) with ordinality as u(value, n) order by n`;
    expect(rows.map((row) => row.value)).toEqual(texts);
    const [row] = await t.database.sql<{ numbers: string[] }[]>`
      select ${numberArray(['9007199254740993', 1, -2])}::bigint[]::text[] as numbers`;
    expect(row?.numbers).toEqual(['9007199254740993', '1', '-2']);
  });

  it('carry one text array per row, of any length', async () => {
    const nested = [['a', 'say "hi"'], [], ['C:\\dir\\', 'NULL', '{a,b}', 'tab\tand ✓'], ['']];
    const rows = await t.database.sql<{ value: string[] }[]>`
      select value::text[] as value
      from unnest(${nestedTextArray(nested)}::text[]) with ordinality as u(value, n) order by n`;
    expect(rows.map((row) => row.value)).toEqual(nested);
  });
});
