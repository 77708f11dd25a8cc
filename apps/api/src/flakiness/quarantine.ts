/** Escapes text for a JavaScript regular expression (Playwright's --grep / --grep-invert). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * A pattern for `npx playwright test --grep-invert "<pattern>"` that leaves out the given tests.
 * Playwright matches --grep against "<project> <file> <describe titles…> <title> <tags…>" joined by
 * spaces; each test is matched by its title path, bounded by spaces or the ends, so a test whose
 * title merely contains another's is not caught. Null when there is nothing to leave out.
 */
export function grepInvertPattern(tests: readonly { titlePath: readonly string[] }[]): string | null {
  const alternatives = [...new Set(tests.map((t) => escapeRegExp(t.titlePath.join(' '))))].sort();
  if (alternatives.length === 0) return null;
  return `(?:^| )(?:${alternatives.join('|')})(?: |$)`;
}
