import { describe, expect, it } from 'vitest';
import { nestedTextArray, numberArray, textArray } from './array-literal.ts';

describe('numberArray', () => {
  it('writes numbers, numeric ids, dates and NULLs as one array literal', () => {
    expect(numberArray([1, -2, 3.5])).toBe('{1,-2,3.5}');
    expect(numberArray(['9007199254740993', null])).toBe('{9007199254740993,NULL}');
    expect(numberArray(['2026-01-31'])).toBe('{2026-01-31}');
    expect(numberArray([])).toBe('{}');
  });
});

describe('textArray', () => {
  it('quotes every value and escapes quotes and backslashes', () => {
    expect(textArray(['a', null, 'say "hi"', 'C:\\dir', '', 'NULL', '{x,y}'])).toBe(
      '{"a",NULL,"say \\"hi\\"","C:\\\\dir","","NULL","{x,y}"}',
    );
  });
});

describe('nestedTextArray', () => {
  it('writes each row as the literal textArray writes, escaped as one value of the outer array', () => {
    const rows = [['a', 'b'], [], ['say "hi"', 'C:\\dir'], ['{x,y}', 'NULL', '']];
    expect(nestedTextArray(rows)).toBe(textArray(rows.map((row) => textArray(row))));
    expect(nestedTextArray([])).toBe('{}');
  });
});
