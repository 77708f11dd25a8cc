import { describe, expect, it } from 'vitest';
import { splitChunk, toWireAnnotations, toWireError, toWireTags } from './test-fields.ts';

describe('splitChunk', () => {
  it('keeps short output whole and cuts long output into pieces of at most max', () => {
    expect(splitChunk('abc', 5)).toEqual(['abc']);
    expect(splitChunk('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
  });

  it('never cuts a surrogate pair in two', () => {
    const pieces = splitChunk('ab😀cd', 3);
    expect(pieces).toEqual(['ab', '😀c', 'd']);
    expect(pieces.join('')).toBe('ab😀cd');
  });
});

describe('toWireError', () => {
  it('keeps message, stack and value (colours too) and nothing else', () => {
    expect(
      toWireError({
        message: '\u001b[31mred\u001b[39m',
        stack: 'Error: x\n    at y',
        location: { file: '/a', line: 1, column: 2 },
        snippet: 'code',
      }),
    ).toEqual({ message: '\u001b[31mred\u001b[39m', stack: 'Error: x\n    at y' });
    expect(toWireError({ value: '42' })).toEqual({ value: '42' });
  });
});

describe('toWireAnnotations', () => {
  it('sends descriptions as text, whatever the test put there', () => {
    expect(
      toWireAnnotations([
        { type: 'issue', description: 'https://x/1' },
        { type: 'skip' },
        { type: 'data', description: { a: 1 } as unknown as string },
        { type: 'n', description: 5 as unknown as string },
      ]),
    ).toEqual([
      { type: 'issue', description: 'https://x/1' },
      { type: 'skip' },
      { type: 'data', description: '{"a":1}' },
      { type: 'n', description: '5' },
    ]);
  });

  it('caps the list and the texts at the contract limits', () => {
    const many = Array.from({ length: 150 }, () => ({
      type: 't'.repeat(2000),
      description: 'd'.repeat(20_000),
    }));
    const wire = toWireAnnotations(many);
    expect(wire).toHaveLength(100);
    expect(wire[0]?.type).toHaveLength(1024);
    expect(wire[0]?.description).toHaveLength(16 * 1024);
  });
});

describe('toWireTags', () => {
  it('keeps the @ and caps the list', () => {
    expect(toWireTags(['@a', '@b'])).toEqual(['@a', '@b']);
    expect(toWireTags(undefined)).toEqual([]);
    expect(toWireTags(Array.from({ length: 120 }, (_, i) => `@t${i}`))).toHaveLength(100);
  });
});
