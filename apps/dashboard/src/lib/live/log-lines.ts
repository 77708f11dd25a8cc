import { PLAIN, parseAnsi, type AnsiSpan, type AnsiStyle } from '$lib/ansi';

/**
 * A live run's log as lines: chunks (any size, cut anywhere) become lines of styled text, the last
 * `maxLines` kept. A line not yet ended by a newline is shown as it is and grows with the next chunk
 * from the same output (one test's stdout, say), whose colour and any cut-off escape sequence carry
 * over from the chunk before.
 */

export interface LogLine {
  /** Unique in its log, in order of arrival: the key of its row. */
  n: number;
  testId: string | null;
  stream: 'stdout' | 'stderr';
  spans: AnsiSpan[];
  /** Characters left out of a very long line. */
  cut: number;
}

interface Source {
  style: AnsiStyle;
  pending: string;
  /** The line this output is still writing, while it is the last line of the log. */
  open: LogLine | null;
}

export interface LogBuffer {
  lines: LogLine[];
  /** Lines dropped from the start to keep the buffer at maxLines. */
  dropped: number;
  next: number;
  sources: Map<string, Source>;
  maxLines: number;
  maxLineLength: number;
}

export function createLogBuffer(maxLines = 2000, maxLineLength = 4000): LogBuffer {
  return { lines: [], dropped: 0, next: 0, sources: new Map(), maxLines, maxLineLength };
}

function spansLength(spans: readonly AnsiSpan[]): number {
  let length = 0;
  for (const span of spans) length += span.text.length;
  return length;
}

/** Appends spans to a line, cutting it at maxLineLength (the rest is counted, not kept). */
function extendLine(line: LogLine, spans: AnsiSpan[], maxLength: number) {
  let room = maxLength - spansLength(line.spans);
  for (const span of spans) {
    if (room <= 0) {
      line.cut += span.text.length;
      continue;
    }
    const text = span.text.length > room ? span.text.slice(0, room) : span.text;
    line.cut += span.text.length - text.length;
    room -= text.length;
    line.spans.push(text === span.text ? span : { ...span, text });
  }
}

/** Adds one chunk of output. A changed line is a new object (same `n`), so views see it change. */
export function appendLog(
  log: LogBuffer,
  chunk: { testId: string | null; stream: 'stdout' | 'stderr'; chunk: string },
): void {
  const key = `${chunk.stream}\u0000${chunk.testId ?? ''}`;
  let source = log.sources.get(key);
  if (!source) {
    source = { style: PLAIN, pending: '', open: null };
    log.sources.set(key, source);
  }
  const text = source.pending + chunk.chunk;
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    // A carriage return before the newline is part of the line ending, not text.
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const parsed = parseAnsi(text.slice(start, lineEnd), source.style);
    source.style = parsed.style;
    source.pending = newline === -1 ? parsed.pending : '';
    const lastIndex = log.lines.length - 1;
    if (source.open && source.open === log.lines[lastIndex]) {
      const line = { ...source.open, spans: [...source.open.spans] };
      extendLine(line, parsed.spans, log.maxLineLength);
      log.lines[lastIndex] = line;
      source.open = line;
    } else if (parsed.spans.length > 0 || (newline !== -1 && !source.open)) {
      const line: LogLine = {
        n: log.next++,
        testId: chunk.testId,
        stream: chunk.stream,
        spans: [],
        cut: 0,
      };
      extendLine(line, parsed.spans, log.maxLineLength);
      log.lines.push(line);
      source.open = line;
    }
    if (newline === -1) break;
    source.open = null;
    start = newline + 1;
    if (start === text.length) break;
  }
  const excess = log.lines.length - log.maxLines;
  if (excess > 0) {
    log.lines.splice(0, excess);
    log.dropped += excess;
  }
}
