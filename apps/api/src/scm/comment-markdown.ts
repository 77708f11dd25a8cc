/**
 * User text (test titles, file names, error lines, branch and run names, a language model's answer)
 * made inert for a pull/merge request comment on GitHub, GitLab and Azure DevOps: it shows as the
 * same text on all three, and cannot become HTML, a link, a heading or list, a mention that pings
 * someone, an issue reference, or a fake copy of our hidden marker (reference §9.1).
 *
 * Every regular expression here is a single character class or a fixed string, so escaping is
 * linear in the text's length whatever the text is.
 */

/** Joins without showing: placed after `@`, `#`, … it breaks mention and reference patterns. */
const ZWJ = '\u200D';

/**
 * Line breaks of every kind (a title or error line is shown as one line), other C0/C1 controls
 * (NUL included) and the bidi overrides that can make a title read differently from what it is.
 */
// eslint-disable-next-line no-control-regex -- line breaks include the vertical tab and form feed
const LINE_BREAKS = /\r\n|[\n\r\u000B\u000C\u0085\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Markdown's ASCII punctuation that can start or end syntax, plus the HTML-significant `<>&`. */
const SPECIAL = /[\\`*_{}[\]()#+\-.!|~<>&@=:%$]/g;

/** Characters after which GitHub or GitLab look for a reference or mention (`@user`, `#1`, `!1`,
 *  `~label`, `%milestone`, `$snippet`, `&epic`). */
const REFERENCE_STARTS = new Set(['@', '#', '!', '~', '%', '$', '&']);

function isWordChar(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code > 0x7f
  );
}

/** One line, well-formed UTF-16 (lone surrogates become U+FFFD), no control characters. */
export function toOneLine(text: string): string {
  return text.toWellFormed().replace(LINE_BREAKS, ' ').replace(CONTROLS, '\uFFFD');
}

/**
 * The first `maxCodePoints` code points of `text`, with `…` when something was cut; never splits a
 * surrogate pair.
 */
export function truncateCodePoints(text: string, maxCodePoints: number): string {
  if (maxCodePoints <= 0) return '';
  // A string has at least as many UTF-16 units as code points: a short one needs no counting.
  if (text.length <= maxCodePoints) return text;
  let count = 0;
  let cutAt = 0;
  for (let index = 0; index < text.length;) {
    if (count === maxCodePoints - 1) cutAt = index;
    index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    count += 1;
    if (count > maxCodePoints) return `${text.slice(0, cutAt)}…`;
  }
  return text;
}

/**
 * User text as Markdown that renders as exactly that text (one line): Markdown punctuation is
 * backslash-escaped, `<`, `>` and `&` become entities (so no HTML and no `<!--` survives), and a
 * zero-width joiner follows `@`, `#` and the other reference characters when a word follows them,
 * so `@everyone` and `#123` neither ping nor link. `:` before `//` gets one too, so a URL in a
 * title is not auto-linked.
 */
export function escapeMarkdown(text: string): string {
  const line = toOneLine(text);
  return line.replace(SPECIAL, (char: string, offset: number) => {
    const next = line[offset + 1];
    let escaped: string;
    if (char === '<') escaped = '&lt;';
    else if (char === '>') escaped = '&gt;';
    else if (char === '&') escaped = '&amp;';
    else if (char === ':') escaped = ':';
    else escaped = `\\${char}`;
    if (REFERENCE_STARTS.has(char) && isWordChar(next)) return escaped + ZWJ;
    if (char === ':' && next === '/' && line[offset + 2] === '/') return escaped + ZWJ;
    // `GH-123` is GitHub's other issue reference.
    if (char === '-' && isDigit(next) && line.slice(offset - 2, offset).toUpperCase() === 'GH') {
      return escaped + ZWJ;
    }
    return escaped;
  });
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** The longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}

/**
 * Keeps a raw (code span or block) copy of user text from carrying `<!--`, which our marker search
 * would otherwise find in our own body; the joiner is invisible where the text is shown.
 */
function breakHtmlComments(text: string): string {
  return text.replaceAll('<!', `<${ZWJ}!`);
}

/**
 * User text as an inline code span: shown verbatim (code spans interpret nothing: no HTML, no
 * mentions, no references), on one line. The fence is one backtick longer than any run inside.
 */
export function inlineCode(text: string): string {
  const line = breakHtmlComments(toOneLine(text));
  const fence = '`'.repeat(longestBacktickRun(line) + 1);
  // CommonMark strips one space from each end only when both ends have one, so padding both ends
  // is safe whenever it is needed: the text starts or ends with a backtick, or with spaces at both.
  if (line === '') return '` `';
  const pad =
    line.startsWith('`') || line.endsWith('`') || (line.startsWith(' ') && line.endsWith(' '))
      ? ' '
      : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}

/**
 * Multi-line user text (a run-level error) as a fenced code block, shown verbatim. Returns the
 * lines, fences included, so a caller cutting the comment at a line boundary knows the fence.
 */
export function codeBlock(text: string): string[] {
  const body = breakHtmlComments(
    text.toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROLS, '\uFFFD'),
  );
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return [fence, ...body.split('\n'), fence];
}

/**
 * A link destination we can put in `[text](<url>)`: http(s) only, and with nothing that could end
 * the destination early. Null for anything else (the caller shows plain text).
 */
export function safeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // URL.href already percent-encodes spaces, `<`, `>`, quotes and controls.
  return parsed.href.replace(
    /[()[\]`]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `[text](url)` with already-escaped text, or the text alone when the URL is not usable. */
export function link(escapedText: string, url: string): string {
  const href = safeUrl(url);
  return href === null ? escapedText : `[${escapedText}](${href})`;
}
