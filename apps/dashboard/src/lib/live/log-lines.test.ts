import { describe, expect, it } from 'vitest';
import { appendLog, createLogBuffer, type LogBuffer } from './log-lines';

const ESC = '\u001b';
const texts = (log: LogBuffer) => log.lines.map((l) => l.spans.map((s) => s.text).join(''));
const out = (chunk: string, testId: string | null = 't1') =>
  ({ testId, stream: 'stdout', chunk }) as const;

describe('the live log', () => {
  it('splits chunks into lines, and a line cut between chunks grows', () => {
    const log = createLogBuffer();
    appendLog(log, out('one\ntw'));
    expect(texts(log)).toEqual(['one', 'tw']);
    const open = log.lines[1];
    appendLog(log, out('o\r\nthree\n'));
    expect(texts(log)).toEqual(['one', 'two', 'three']);
    // The grown line is a new object with the same key, so a view sees it change.
    expect(log.lines[1]).not.toBe(open);
    expect(log.lines[1]?.n).toBe(open?.n);
  });

  it('keeps another output’s lines apart: a test’s partial line does not swallow them', () => {
    const log = createLogBuffer();
    appendLog(log, out('a-start', 'a'));
    appendLog(log, out('b line\n', 'b'));
    appendLog(log, out(' a-end\n', 'a'));
    expect(texts(log)).toEqual(['a-start', 'b line', ' a-end']);
    appendLog(log, out('\n', 'b'));
    expect(texts(log)).toEqual(['a-start', 'b line', ' a-end', '']);
  });

  it('carries colours and a cut-off escape sequence over to the next chunk', () => {
    const log = createLogBuffer();
    appendLog(log, out(`${ESC}[31mred\nstill red ${ESC}[3`));
    appendLog(log, out(`2mgreen${ESC}[0m\n`));
    expect(texts(log)).toEqual(['red', 'still red green']);
    expect(log.lines[0]?.spans[0]?.fg).toBe(1);
    expect(log.lines[1]?.spans.map((s) => s.fg)).toEqual([1, 2]);
  });

  it('keeps the last lines only, and cuts very long lines', () => {
    const log = createLogBuffer(3, 10);
    appendLog(log, out('1\n2\n3\n4\n5\n'));
    expect(texts(log)).toEqual(['3', '4', '5']);
    expect(log.dropped).toBe(2);
    appendLog(log, out(`${'x'.repeat(25)}\n`));
    expect(log.lines[2]).toMatchObject({ cut: 15 });
    expect(texts(log)[2]).toBe('x'.repeat(10));
  });
});
