/**
 * ECMA-48 control sequences, as terminals and Playwright's coloured output produce them:
 * - CSI (`ESC [` or the 8-bit `\x9b`): parameter bytes, intermediate bytes, one final byte. Covers
 *   SGR colours and also cursor movement and erase sequences (`ESC[1A`, `ESC[2K`) that line
 *   reporters write.
 * - Control strings OSC (`ESC ]`, `\x9d`, e.g. hyperlinks), DCS (`ESC P`, `\x90`), SOS (`ESC X`),
 *   PM (`ESC ^`) and APC (`ESC _`): everything up to BEL or ST (`ESC \` or `\x9c`), or to the end of
 *   the text when the terminator was cut off.
 * - Other escape sequences: `ESC`, intermediate bytes, one final byte (`ESC c`, `ESC 7`, `ESC ( B`).
 */
const ANSI_PATTERN =
  // eslint-disable-next-line no-control-regex -- escape sequences are made of control characters
  /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|(?:\x1b[\]PX^_]|[\x90\x9d])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)|\x1b[\x20-\x2f]*[\x30-\x7e]/g;

// Every sequence starts with one of these; most texts have none, so the regex is skipped.
// eslint-disable-next-line no-control-regex -- see ANSI_PATTERN
const ANSI_START = /[\x1b\x90\x9b\x9d]/;

export function stripAnsi(text: string): string {
  if (!ANSI_START.test(text)) return text;
  return text.replace(ANSI_PATTERN, '');
}
