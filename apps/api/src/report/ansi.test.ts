import { describe, expect, it } from 'vitest';
import { stripAnsi } from './ansi.ts';

const ESC = '\u001b';

describe('stripAnsi', () => {
  it('returns text without escapes unchanged', () => {
    const text = 'Expected: 7\nReceived: 6 — ünïcödé [brackets] 100%';
    expect(stripAnsi(text)).toBe(text);
  });

  it('strips the colours of a real Playwright expect() message', () => {
    const message =
      `Error: ${ESC}[2mexpect(${ESC}[22m${ESC}[31mreceived${ESC}[39m${ESC}[2m).${ESC}[22mtoBe` +
      `${ESC}[2m(${ESC}[22m${ESC}[32mexpected${ESC}[39m${ESC}[2m) // Object.is equality${ESC}[22m` +
      `\n\nExpected: ${ESC}[32m"ok"${ESC}[39m\nReceived: ${ESC}[31m"failure"${ESC}[39m`;
    expect(stripAnsi(message)).toBe(
      'Error: expect(received).toBe(expected) // Object.is equality\n\n' +
        'Expected: "ok"\nReceived: "failure"',
    );
  });

  it('strips a highlighted code snippet', () => {
    const snippet =
      `${ESC}[0m${ESC}[31m${ESC}[1m>${ESC}[22m${ESC}[39m${ESC}[90m  8 |${ESC}[39m \t})` +
      `${ESC}[33m;${ESC}[39m${ESC}[0m`;
    expect(stripAnsi(snippet)).toBe('>  8 | \t});');
  });

  it('strips 256-colour and truecolor SGR sequences', () => {
    expect(stripAnsi(`${ESC}[38;5;196mred${ESC}[0m ${ESC}[48;2;10;20;30mbg${ESC}[m`)).toBe(
      'red bg',
    );
  });

  it('strips cursor movement and erase sequences, not only colours', () => {
    expect(stripAnsi(`${ESC}[1A${ESC}[2K[3/28] test${ESC}[?25l${ESC}[?25h${ESC}[10;20H`)).toBe(
      '[3/28] test',
    );
  });

  it('strips OSC hyperlinks terminated by BEL or by ST', () => {
    expect(stripAnsi(`see ${ESC}]8;;https://x.dev/a?b=1\u0007docs${ESC}]8;;\u0007 now`)).toBe(
      'see docs now',
    );
    expect(stripAnsi(`${ESC}]0;window title${ESC}\\after`)).toBe('after');
  });

  it('strips DCS, APC and PM control strings', () => {
    expect(stripAnsi(`a${ESC}Pq#0;2;0;0;0${ESC}\\b${ESC}_apc${ESC}\\c${ESC}^pm${ESC}\\d`)).toBe(
      'abcd',
    );
  });

  it('strips an unterminated control string to the end of the text', () => {
    expect(stripAnsi(`kept${ESC}]8;;https://cut.example/`)).toBe('kept');
  });

  it('strips two-character and charset escapes', () => {
    expect(stripAnsi(`${ESC}cA${ESC}7B${ESC}8C${ESC}(BD${ESC}=E`)).toBe('ABCDE');
  });

  it('strips 8-bit C1 CSI and OSC forms', () => {
    expect(stripAnsi('\u009b31mred\u009b0m \u009d8;;u\u009clink')).toBe('red link');
  });

  it('keeps text that merely looks like a sequence without ESC', () => {
    expect(stripAnsi('[31m is not an escape; nor is ]8;;')).toBe(
      '[31m is not an escape; nor is ]8;;',
    );
  });

  // Large enough that a pass rescanning a run from each of its characters would time out.
  it('strips megabyte runs of broken and unterminated sequences', () => {
    const MB = 1_000_000;
    expect(stripAnsi(`${ESC}[${'0'.repeat(MB)}`)).toBe('0'.repeat(MB));
    expect(stripAnsi(`${ESC}[${'1;'.repeat(MB / 2)}\n`)).toBe(`${'1;'.repeat(MB / 2)}\n`);
    // A lone ESC before a byte that ends no sequence is left as it is.
    expect(stripAnsi(`${ESC}${' '.repeat(MB)}\u0001`)).toBe(`${ESC}${' '.repeat(MB)}\u0001`);
    expect(stripAnsi(`${`${ESC}[31m \t|`.repeat(MB / 8)}`)).toBe(' \t|'.repeat(MB / 8));
    expect(stripAnsi(`${ESC}[`.repeat(MB / 2))).toBe('');
    expect(stripAnsi(`a${ESC}]${'x'.repeat(MB)}`)).toBe('a');
    expect(stripAnsi(`${ESC}]`.repeat(MB / 2))).toBe('');
  });
});
