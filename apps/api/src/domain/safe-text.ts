/**
 * Text from an upload, made storable. PostgreSQL refuses NUL in text and jsonb, and lone UTF-16
 * surrogates in jsonb; a JSON report carries both as `\u` escapes (a NUL in a test's stdout is
 * enough). Each is kept as U+FFFD instead, so no report is lost for one character.
 */
export function toSafeText(text: string): string {
  // Nearly every text is fine: two native scans, no copy.
  if (text.isWellFormed() && !text.includes('\0')) return text;
  return text.toWellFormed().replaceAll('\0', '\uFFFD');
}

/** Cuts long text without splitting a surrogate pair, marking the cut with an ellipsis. */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}
