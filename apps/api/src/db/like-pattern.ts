/**
 * A LIKE pattern matching `text` anywhere: its own `%`, `_` and `\` are escaped (backslash is
 * LIKE's default escape), so a search for "100%" finds that text, not every test.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
