import { createHash } from 'node:crypto';
import { stripAnsi } from './ansi.ts';

/**
 * An error signature groups the same failure across tests, runs and machines (DESIGN.md §4): the
 * message proper (not the call log, code snippet or stack), with whatever changes from one
 * occurrence to the next masked: numbers, durations, ids, paths, dates, URL ports and queries.
 */

export const MAX_SIGNATURE_LENGTH = 300;

// Masking works on the selected lines only; a one-line message can still be huge (a JSON body).
const MAX_SELECTED_LENGTH = 2_000;
// Quoted values longer than this are data (response bodies, page text), not part of the failure.
const MAX_QUOTED_LENGTH = 80;

// Playwright appends these after the message: call log, code snippet, stack, context files.
const END_OF_MESSAGE = /^\s*(?:at\s|Call log:|Error Context:|>?\s*\d*\s*\|)/;
// The locator names what failed in expect(locator) and action messages; keep it with the header.
const LOCATOR_LINE = /^\s*Locator:/;
// Playwright ≤ 1.38 left the "Error: " prefix out of `message`; other error classes stay.
const PLAIN_ERROR_PREFIX = /^Error:\s*/;

const URL_PATTERN =
  /\b([a-z][a-z\d+.-]*):\/\/([^\s/?#'"`<>()[\]{}]*)([^\s?#'"`<>()[\]{}]*)([?#][^\s'"`<>()[\]{}]*)?/gi;
const UUID = /\b[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}\b/gi;
const DATE_TIME =
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
const IPV4_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
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
  String.raw`(?<![\w./-])[\w@.-]+(?:/[\w@.-]+)+\.[A-Za-z]\w{0,5}${LINE_COL}\b`,
  'g',
);
const FILE_WITH_LINE =
  /(?<![\w./-])[\w@-][\w@.-]*\.(?:[cm]?[jt]sx?|json|html?|vue|svelte|py)(?::\d+){1,2}\b/g;
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
  const selected = selectMessageLines(stripAnsi(message)).replace(PLAIN_ERROR_PREFIX, '');
  const signature = maskDynamicParts(selected.slice(0, MAX_SELECTED_LENGTH))
    .replace(/\s+/g, ' ')
    .trim();
  if (signature === '') return '<empty>';
  return signature.length > MAX_SIGNATURE_LENGTH
    ? signature.slice(0, MAX_SIGNATURE_LENGTH - 1) + '…'
    : signature;
}

/** Short stable key for a signature (index and URL friendly). */
export function errorSignatureHash(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}

/** The first line of the message proper, plus the locator line when there is one. */
function selectMessageLines(text: string): string {
  const lines: string[] = [];
  let locator: string | undefined;
  for (const line of text.split('\n')) {
    if (END_OF_MESSAGE.test(line)) break;
    if (line.trim() === '') continue;
    if (LOCATOR_LINE.test(line)) {
      locator ??= line;
      continue;
    }
    // A header without letters or digits ("{" of an inspected thrown object) says nothing alone.
    if (lines.length === 0 || !/[\p{L}\p{N}]/u.test(lines.join(' '))) lines.push(line);
  }
  if (locator !== undefined) lines.push(locator);
  return lines.join('\n');
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
  const trailing = /[.,;:!]+$/.exec(path)?.[0] ?? '';
  const maskedPath = path
    .slice(0, path.length - trailing.length)
    .replace(UUID, '<uuid>')
    .replace(HEX_ID, '<hex>')
    .replace(NUMBER, '<n>');
  return `${scheme}://${maskedHost}${maskedPath}${trailing}`;
}
