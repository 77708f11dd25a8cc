import { describe, expect, it } from 'vitest';
import { PLAIN, applySgr, parseAnsi, spansText } from './ansi';

const ESC = '\u001b';
const styled = (text: string) =>
  parseAnsi(text).spans.map((s) => ({ text: s.text, fg: s.fg, bold: s.bold, dim: s.dim }));

describe('parseAnsi', () => {
  it('answers plain text as one plain span', () => {
    expect(parseAnsi('hello world')).toEqual({
      spans: [{ ...PLAIN, text: 'hello world' }],
      style: PLAIN,
      pending: '',
    });
    expect(parseAnsi('').spans).toEqual([]);
  });

  it('reads the 8 colours, their bright forms, bold, dim and reset', () => {
    expect(
      styled(`a${ESC}[31mred${ESC}[0m b${ESC}[1;92mbold green${ESC}[22m plain${ESC}[m.`),
    ).toEqual([
      { text: 'a', fg: null, bold: false, dim: false },
      { text: 'red', fg: 1, bold: false, dim: false },
      { text: ' b', fg: null, bold: false, dim: false },
      { text: 'bold green', fg: 10, bold: true, dim: false },
      { text: ' plain', fg: 10, bold: false, dim: false },
      { text: '.', fg: null, bold: false, dim: false },
    ]);
    expect(styled(`${ESC}[2mdim${ESC}[39m`)).toEqual([
      { text: 'dim', fg: null, bold: false, dim: true },
    ]);
  });

  it('reads background, 256-colour and true-colour codes', () => {
    const [a, b, c, d] = parseAnsi(
      `${ESC}[41mA${ESC}[0;38;5;9mB${ESC}[38;5;196mC${ESC}[48;2;10;20;300mD`,
    ).spans;
    expect(a).toMatchObject({ text: 'A', bg: 1, fg: null });
    expect(b).toMatchObject({ text: 'B', fg: 9, bg: null });
    expect(c).toMatchObject({ text: 'C', fg: 'rgb(255, 0, 0)' });
    expect(d).toMatchObject({ text: 'D', fg: 'rgb(255, 0, 0)', bg: 'rgb(10, 20, 255)' });
  });

  it('merges runs of one style and keeps the style for the next chunk', () => {
    const first = parseAnsi(`${ESC}[33mwarn${ESC}[K ing`);
    expect(first.spans).toEqual([{ ...PLAIN, fg: 3, text: 'warn ing' }]);
    const second = parseAnsi('still yellow', first.style);
    expect(second.spans).toEqual([{ ...PLAIN, fg: 3, text: 'still yellow' }]);
  });

  it('drops other control sequences (cursor, erase, OSC hyperlinks) and keeps their text', () => {
    const text = `${ESC}[2K${ESC}[1A${ESC}[?25lline ${ESC}]8;;https://x.test${ESC}\\link${ESC}]8;;\u0007 end${ESC}7`;
    expect(spansText(parseAnsi(text).spans)).toBe('line link end');
    // A private-marker sequence ending in m is not SGR.
    expect(parseAnsi(`${ESC}[?1mx`).spans).toEqual([{ ...PLAIN, text: 'x' }]);
  });

  it('answers a sequence cut off at the end as pending, for the next chunk', () => {
    const cut = parseAnsi(`ok ${ESC}[3`);
    expect(spansText(cut.spans)).toBe('ok ');
    expect(cut.pending).toBe(`${ESC}[3`);
    const rest = parseAnsi(`${cut.pending}1mred`, cut.style);
    expect(rest.spans).toEqual([{ ...PLAIN, fg: 1, text: 'red' }]);
    expect(parseAnsi(`x${ESC}`).pending).toBe(ESC);
    expect(parseAnsi(`x${ESC}]0;title`).pending).toBe(`${ESC}]0;title`);
  });

  it('survives malformed sequences: the bad byte and what follows stay text', () => {
    expect(spansText(parseAnsi(`a${ESC}[31\nb`).spans)).toBe('a\nb');
    expect(spansText(parseAnsi(`a${ESC}[38;5mb`).spans)).toBe('ab');
    expect(parseAnsi(`${ESC}[38;5mb`).spans[0]).toMatchObject({ fg: null });
    expect(parseAnsi(`${ESC}[38;2;1mb`).spans[0]).toMatchObject({ fg: null });
    expect(parseAnsi(`${ESC}[99999999999999999999mz`).spans).toEqual([{ ...PLAIN, text: 'z' }]);
    expect(parseAnsi(`${ESC}${ESC}[1mx`).spans).toEqual([{ ...PLAIN, bold: true, text: 'x' }]);
    expect(spansText(parseAnsi(`a${ESC}\nb`).spans)).toBe('a\nb');
  });

  it('never produces markup: text with tags stays text', () => {
    const spans = parseAnsi(`${ESC}[31m<img src=x onerror=alert(1)>`).spans;
    expect(spans).toEqual([{ ...PLAIN, fg: 1, text: '<img src=x onerror=alert(1)>' }]);
  });

  it('takes 1 MB of text, of sequences, or of one unterminated sequence in one pass', () => {
    const mb = 1 << 20;
    const text = 'x'.repeat(mb);
    expect(spansText(parseAnsi(text).spans)).toHaveLength(mb);
    const pairs = Math.floor(mb / 12);
    const parsed = parseAnsi(`${ESC}[31mr${ESC}[32mg`.repeat(pairs));
    expect(parsed.spans).toHaveLength(pairs * 2);
    expect(parsed.style.fg).toBe(2);
    const open = parseAnsi(`${ESC}[${'1;'.repeat(mb / 2)}`);
    expect(open.spans).toEqual([]);
    expect(open.pending).toBe('');
    // Each ESC ends the sequence before it (malformed); the newline ends the last one.
    const escapes = parseAnsi(`${ESC}[`.repeat(mb / 2) + '\nend');
    expect(spansText(escapes.spans)).toBe('\nend');
    const params = parseAnsi(`${ESC}[${'1;'.repeat(mb / 2)}31mz`);
    expect(params.spans).toEqual([{ ...PLAIN, bold: true, text: 'z' }]);
  });
});

describe('applySgr', () => {
  it('resets on an empty list and on 0', () => {
    const red = applySgr(PLAIN, [31, 1]);
    expect(applySgr(red, [])).toEqual(PLAIN);
    expect(applySgr(red, [0])).toEqual(PLAIN);
    expect(applySgr(red, [0, 4])).toEqual({ ...PLAIN, underline: true });
  });
});
