import { describe, expect, it } from 'vitest';
import { cap, toSafeText } from './safe-text.ts';

describe('toSafeText', () => {
  it('returns ordinary text as is, surrogate pairs included', () => {
    for (const text of ['', 'plain', 'ünïcödé — 😀 done', '\t\n\r\u001b[31m']) {
      expect(toSafeText(text)).toBe(text);
    }
  });

  it('replaces NUL with U+FFFD', () => {
    expect(toSafeText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
  });

  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(toSafeText('x\uD800y')).toBe('x\uFFFDy');
    expect(toSafeText('\uDC00')).toBe('\uFFFD');
    expect(toSafeText('😀\uD83D')).toBe('😀\uFFFD');
    expect(toSafeText('\uDE00\uD83D')).toBe('\uFFFD\uFFFD');
  });

  it('gives text PostgreSQL jsonb reads back unchanged', () => {
    const safe = toSafeText('\u0000\uD800 ok');
    expect(JSON.stringify(safe)).not.toMatch(/\\u(?:0000|d[89a-f])/i);
    expect(safe).toBe('\uFFFD\uFFFD ok');
  });
});

describe('cap', () => {
  it('leaves short text alone and marks a cut with an ellipsis', () => {
    expect(cap('abc', 3)).toBe('abc');
    expect(cap('abcdef', 4)).toBe('abc…');
  });

  it('does not split a surrogate pair', () => {
    expect(cap('ab😀cd', 4)).toBe('ab…');
    expect(toSafeText(cap('ab😀cd', 4))).toBe('ab…');
  });
});
