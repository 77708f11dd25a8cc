/** Escapes text for a JavaScript regular expression (Playwright's --grep / --grep-invert). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export interface QuarantineTarget {
  projectName: string;
  /** Relative to rootDir, as in the JSON report: the file suite's title in Playwright's titlePath. */
  file: string;
  titlePath: readonly string[];
}

/** Tags Playwright inserts after a describe's title (its `tag` option) and after the test's. */
const TAGS = '(?: @[^ ]+)*';

/**
 * A pattern for `npx playwright test --grep-invert "<pattern>"` that leaves out exactly the given
 * tests. Playwright matches --grep against titlePath joined by spaces — "", project, file,
 * describe titles, title — with each describe's and the test's tags after their titles. Each test
 * is matched from the start to the end of that string, so a test whose title merely starts with or
 * contains a quarantined one, or the same test in another project, is not caught. Null when there
 * is nothing to leave out.
 */
export function grepInvertPattern(tests: readonly QuarantineTarget[]): string | null {
  const alternatives = new Set<string>();
  for (const test of tests) {
    const titles = test.titlePath.map(escapeRegExp).join(`${TAGS} `);
    alternatives.add(`${escapeRegExp(test.projectName)} ${escapeRegExp(test.file)} ${titles}`);
  }
  if (alternatives.size === 0) return null;
  return `^ ?(?:${[...alternatives].sort().join('|')})${TAGS}$`;
}
