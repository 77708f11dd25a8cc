import { createHash } from 'node:crypto';
import { stripAnsi } from './ansi.ts';
import { cap, toSafeText } from '../domain/safe-text.ts';

/**
 * An error signature groups the same failure across tests, runs and machines (DESIGN.md §4): the
 * message proper (not the call log, code snippet or stack), with whatever changes from one
 * occurrence to the next masked: numbers, durations, ids, paths, dates, URL ports and queries.
 */

export const MAX_SIGNATURE_LENGTH = 300;

// Only this much of a message is read (the walker keeps no more of one): a message can be 10 MB.
const MAX_SCANNED_LENGTH = 8 * 1024;
// Masking works on the selected lines only; a one-line message can still be huge (a JSON body).
const MAX_SELECTED_LENGTH = 2_000;
// Quoted values longer than this are data (response bodies, page text), not part of the failure.
const MAX_QUOTED_LENGTH = 80;

// Playwright ≤ 1.38 left the "Error: " prefix out of `message`; other error classes stay.
const PLAIN_ERROR_PREFIX = /^Error:\s*/;

/*
 * Every pattern below runs in time linear in its input, which is user text: no two quantifiers
 * can take the same characters, a run that a failed match would scan again from each of its
 * characters has a bounded length, or a start inside it is ruled out (an `@` inside a name).
 */
// A scheme has a few letters; bounded, so a long dotted word is not rescanned from each dot.
const URL_PATTERN =
  /\b([a-z][a-z\d+.-]{0,31}):\/\/([^\s/?#'"`<>()[\]{}]*)([^\s?#'"`<>()[\]{}]*)([?#][^\s'"`<>()[\]{}]*)?/gi;
const UUID = /\b[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}\b/gi;
const DATE_TIME =
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
const IPV4_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$/;
// An address's local part has at most 64 characters (RFC 5321).
const EMAIL = /\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b/g;
const PATH_CHAR = String.raw`[^\s'"\x60<>()[\]{}:,;|*?\\/\uf8ff]`;
const LINE_COL = String.raw`(?::\d+){0,2}`;
const WINDOWS_PATH = new RegExp(
  String.raw`\b[A-Za-z]:[\\/](?:${PATH_CHAR}+[\\/])*${PATH_CHAR}*${LINE_COL}`,
  'g',
);
// At least two segments, so a lone "/" or "1/2" is left alone.
const ABSOLUTE_PATH = new RegExp(
  String.raw`(?<![\w.~/-])~?/${PATH_CHAR}+(?:/${PATH_CHAR}+)+/?${LINE_COL}`,
  'g',
);
const DOT_RELATIVE_PATH = new RegExp(
  String.raw`(?<![\w./])\.{1,2}/(?:${PATH_CHAR}+/)*${PATH_CHAR}+${LINE_COL}`,
  'g',
);
const RELATIVE_PATH = new RegExp(
  String.raw`(?<![\w./@-])[\w@.-]+(?:/[\w@.-]+)+\.[A-Za-z]\w{0,5}${LINE_COL}\b`,
  'g',
);
// A name's first character is not one after an `@`: a run of them would be rescanned from each.
const FILE_WITH_LINE =
  /(?<![\w./@-])[\w@-][\w@.-]*\.(?:[cm]?[jt]sx?|json|html?|vue|svelte|py)(?::\d+){1,2}\b/g;
const DURATION =
  /\b\d+(?:\.\d+)?(?:ms|s|m|h)\b|\b\d+(?:\.\d+)? ?(?:milliseconds?|secs?|seconds?|mins?|minutes?|hours?)\b/g;
// Hex ids need a digit and a letter so ordinary words and plain numbers are not taken for ids.
const HEX_ID = /\b(?:0x[\da-f]+|(?=[\da-f]*\d)(?=[\da-f]*[a-f])[\da-f]{8,})\b/gi;
// Digits glued to a preceding letter or underscore are part of a name (h1, utf8, user_2).
const NUMBER = /(?<![\w.])\d+(?:\.\d+)*/g;
const LONG_QUOTED = new RegExp(
  `"[^"\\n]{${MAX_QUOTED_LENGTH + 1},}"|'[^'\\n]{${MAX_QUOTED_LENGTH + 1},}'|\`[^\`\\n]{${MAX_QUOTED_LENGTH + 1},}\``,
  'g',
);

export function errorSignature(message: string): string {
  const text = stripAnsi(
    message.length > MAX_SCANNED_LENGTH ? message.slice(0, MAX_SCANNED_LENGTH) : message,
  );
  const selected = selectMessageLines(text).replace(PLAIN_ERROR_PREFIX, '');
  const signature = maskDynamicParts(selected.slice(0, MAX_SELECTED_LENGTH))
    .replace(/\s+/g, ' ')
    .trim();
  if (signature === '') return '<empty>';
  // A cut may leave half a surrogate pair at the end of the selection: the signature is stored.
  return toSafeText(cap(signature, MAX_SIGNATURE_LENGTH));
}

/** Short stable key for a signature (index and URL friendly). */
export function errorSignatureHash(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}

/** The first line of the message proper, plus the locator line when there is one. */
function selectMessageLines(text: string): string {
  const lines: string[] = [];
  let hasWords = false;
  let locator: string | undefined;
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    start = end + 1;
    if (isEndOfMessage(line)) break;
    if (line.trim() === '') continue;
    if (isLocatorLine(line)) {
      locator ??= line;
      continue;
    }
    // A header without letters or digits ("{" of an inspected thrown object) says nothing alone.
    if (lines.length === 0 || !hasWords) {
      lines.push(line);
      hasWords ||= WORDS.test(line);
    }
  }
  if (locator !== undefined) lines.push(locator);
  return lines.join('\n');
}

const WORDS = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const GREATER_THAN = 0x3e;
const PIPE = 0x7c;

/**
 * Whether Playwright's appendix starts at this line: call log, code snippet, stack, context
 * files. `/^\s*(?:at\s|Call log:|Error Context:|>?\s*\d*\s*\|)/` read by hand: as a regular
 * expression it backtracks over a line of spaces in cubic time.
 */
function isEndOfMessage(line: string): boolean {
  let i = skipSpaces(line, 0);
  if (line.startsWith('at', i) && isSpace(line, i + 2)) return true;
  if (line.startsWith('Call log:', i) || line.startsWith('Error Context:', i)) return true;
  // A code snippet line: "  > 12 |", "    13 |", "       |".
  if (line.charCodeAt(i) === GREATER_THAN) i = skipSpaces(line, i + 1);
  while (line.charCodeAt(i) >= DIGIT_0 && line.charCodeAt(i) <= DIGIT_9) i++;
  return line.charCodeAt(skipSpaces(line, i)) === PIPE;
}

/** The locator names what failed in expect(locator) and action messages; kept with the header. */
function isLocatorLine(line: string): boolean {
  return line.startsWith('Locator:', skipSpaces(line, 0));
}

/** The index of the first character at or after `from` that `\s` does not match. */
function skipSpaces(line: string, from: number): number {
  let i = from;
  while (isSpace(line, i)) i++;
  return i;
}

function isSpace(line: string, index: number): boolean {
  const code = line.charCodeAt(index);
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  return code > 0x7f && SPACE.test(line.charAt(index));
}

function maskDynamicParts(text: string): string {
  // Finished URLs are set aside behind placeholders so the path rules below do not see them.
  const urls: string[] = [];
  const protect = (value: string): string => {
    urls.push(value);
    return `\uf8ff${String.fromCharCode(0xe000 + urls.length - 1)}\uf8ff`;
  };
  const masked = text
    .replace(URL_PATTERN, (_match, scheme: string, authority: string, path: string) =>
      protect(maskUrl(scheme, authority, path)),
    )
    .replace(LONG_QUOTED, (quoted) => `${quoted[0]}<text>${quoted[0]}`)
    .replace(UUID, '<uuid>')
    .replace(DATE_TIME, '<date>')
    .replace(EMAIL, '<email>')
    .replace(IPV4, (address) => (address.includes(':') ? '<ip>:<port>' : '<ip>'))
    .replace(WINDOWS_PATH, '<path>')
    .replace(ABSOLUTE_PATH, '<path>')
    .replace(DOT_RELATIVE_PATH, '<path>')
    .replace(RELATIVE_PATH, '<path>')
    .replace(FILE_WITH_LINE, '<path>')
    .replace(DURATION, '<duration>')
    .replace(HEX_ID, '<hex>')
    .replace(NUMBER, '<n>');
  return masked.replace(
    /\uf8ff([\ue000-\uf8fe])\uf8ff/g,
    (_match, index: string) => urls[index.charCodeAt(0) - 0xe000] ?? '',
  );
}

/** Scheme, host name and path survive; credentials, IPs, port, query and fragment do not. */
function maskUrl(scheme: string, authority: string, path: string): string {
  if (scheme.toLowerCase() === 'file') return '<path>';
  const host = authority.replace(/^[^@]*@/, '');
  const port = /:\d+$/.exec(host);
  const hostname = port ? host.slice(0, port.index) : host;
  const maskedHost = (IPV4_HOST.test(hostname) ? '<ip>' : hostname) + (port ? ':<port>' : '');
  // Sentence punctuation after a URL is not part of it.
  let end = path.length;
  while (end > 0 && '.,;:!'.includes(path.charAt(end - 1))) end--;
  const trailing = path.slice(end);
  const maskedPath = path
    .slice(0, end)
    .replace(UUID, '<uuid>')
    .replace(HEX_ID, '<hex>')
    .replace(NUMBER, '<n>');
  return `${scheme}://${maskedHost}${maskedPath}${trailing}`;
}
