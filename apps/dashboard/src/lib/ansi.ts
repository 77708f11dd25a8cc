/**
 * Terminal output with ANSI escape sequences, as a test writes it, turned into styled text runs
 * for the live log. A hand-written scanner: one pass over the text, no regular expressions, so a
 * hostile or truncated sequence costs linear time. Only SGR (`ESC [ … m`) sequences change the
 * style; every other control sequence (cursor moves, erase, OSC titles and hyperlinks) is dropped
 * and its text kept. The result is data, never markup: the page renders it as text nodes.
 */

/** A colour: 0–15 is the terminal palette (a theme colour of the page), else an `rgb()` value. */
export type AnsiColor = number | string | null;

export interface AnsiStyle {
  fg: AnsiColor;
  bg: AnsiColor;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

export interface AnsiSpan extends AnsiStyle {
  text: string;
}

export const PLAIN: AnsiStyle = Object.freeze({
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
});

export interface AnsiParse {
  spans: AnsiSpan[];
  /** The style in force at the end, for the next chunk of the same output. */
  style: AnsiStyle;
  /** An escape sequence cut off at the end of the text, to prepend to the next chunk. */
  pending: string;
}

const ESC = 0x1b;
const BEL = 0x07;
/** Parameters beyond this many in one sequence are ignored (a real SGR has a handful). */
const MAX_PARAMS = 32;
/** A sequence still open after this many characters is not one: it is dropped, not kept pending. */
const MAX_PENDING = 256;

/** xterm's 256-colour cube and grey ramp, for `38;5;n` above 15. */
function color256(n: number): AnsiColor {
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

const byte = (n: number | undefined) => Math.min(255, Math.max(0, n ?? 0));

/** Applies one SGR parameter list to a style (a copy). Unknown codes change nothing. */
export function applySgr(style: AnsiStyle, params: readonly number[]): AnsiStyle {
  const next = { ...style };
  if (params.length === 0) return { ...PLAIN };
  for (let i = 0; i < params.length; i++) {
    const code = params[i] ?? 0;
    if (code === 0) Object.assign(next, PLAIN);
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code === 49) next.bg = null;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      // Extended colour: 5;n (256 colours) or 2;r;g;b (true colour).
      const mode = params[i + 1];
      let color: AnsiColor | undefined;
      if (mode === 5 && i + 2 < params.length) {
        color = color256(byte(params[i + 2]));
        i += 2;
      } else if (mode === 2 && i + 4 < params.length) {
        color = `rgb(${byte(params[i + 2])}, ${byte(params[i + 3])}, ${byte(params[i + 4])})`;
        i += 4;
      } else {
        // Malformed: the rest of this sequence cannot be read reliably.
        break;
      }
      if (code === 38) next.fg = color;
      else next.bg = color;
    }
  }
  return next;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline
  );
}

/**
 * Splits `text` into runs of one style, starting from `style` (the previous chunk's, for output
 * written in pieces). An escape sequence cut off at the end is answered in `pending`.
 */
export function parseAnsi(text: string, style: AnsiStyle = PLAIN): AnsiParse {
  const spans: AnsiSpan[] = [];
  let current = style;
  let textStart = 0;
  const flush = (end: number) => {
    if (end <= textStart) return;
    const piece = text.slice(textStart, end);
    const last = spans[spans.length - 1];
    if (last && sameStyle(last, current)) last.text += piece;
    else spans.push({ ...current, text: piece });
  };

  let i = 0;
  const length = text.length;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code !== ESC) {
      i++;
      continue;
    }
    flush(i);
    const start = i;
    i++;
    if (i >= length) return finish(spans, current, text, start);
    const kind = text.charCodeAt(i);
    if (kind === 0x5b /* [ */) {
      // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
      i++;
      const params: number[] = [];
      let value = 0;
      let hasValue = false;
      let privateMarker = false;
      let final = -1;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (c >= 0x30 && c <= 0x39) {
          // Capped so a run of digits stays a number.
          value = Math.min(value * 10 + (c - 0x30), 65535);
          hasValue = true;
        } else if (c === 0x3b /* ; */ || c === 0x3a /* : */) {
          if (params.length < MAX_PARAMS) params.push(hasValue ? value : 0);
          value = 0;
          hasValue = false;
        } else if (c >= 0x3c && c <= 0x3f) {
          privateMarker = true;
        } else if (c >= 0x20 && c <= 0x2f) {
          // intermediate byte: part of the sequence, meaningless for SGR
        } else if (c >= 0x40 && c <= 0x7e) {
          final = c;
          i++;
          break;
        } else {
          // Not a sequence byte: the sequence is malformed; drop what was read, keep this char.
          break;
        }
        i++;
      }
      if (final === -1) {
        if (i >= length) return finish(spans, current, text, start);
        textStart = i;
        continue;
      }
      if (hasValue || params.length > 0) {
        if (params.length < MAX_PARAMS) params.push(hasValue ? value : 0);
      }
      if (final === 0x6d /* m */ && !privateMarker) current = applySgr(current, params);
      textStart = i;
    } else if (kind === 0x5d /* ] */) {
      // OSC (window title, hyperlink): ends with BEL or ESC \; its payload is not text.
      i++;
      let ended = false;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (c === BEL) {
          i++;
          ended = true;
          break;
        }
        if (c === ESC && i + 1 < length && text.charCodeAt(i + 1) === 0x5c) {
          i += 2;
          ended = true;
          break;
        }
        i++;
      }
      if (!ended) return finish(spans, current, text, start);
      textStart = i;
    } else if (kind >= 0x20 && kind <= 0x7e) {
      // A two-character escape (ESC 7, ESC c, …): dropped.
      i++;
      textStart = i;
    } else {
      // A stray ESC: dropped; what follows it (another ESC, a newline) is read afresh.
      textStart = i;
    }
  }
  flush(length);
  return { spans, style: current, pending: '' };
}

function finish(spans: AnsiSpan[], style: AnsiStyle, text: string, start: number): AnsiParse {
  const rest = text.slice(start);
  return { spans, style, pending: rest.length <= MAX_PENDING ? rest : '' };
}

/** Text without any escape sequence (what a search or copy of the line sees). */
export function spansText(spans: readonly AnsiSpan[]): string {
  let text = '';
  for (const span of spans) text += span.text;
  return text;
}
