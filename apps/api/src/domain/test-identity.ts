import { hash } from 'node:crypto';

/**
 * A test's identity (DESIGN.md §4) as one string: Playwright project name, file relative to
 * rootDir, and title path. Uploads match results to known tests by this key.
 */
export function identityKey(
  projectName: string,
  file: string,
  titlePath: readonly string[],
): string {
  return JSON.stringify([projectName, file, titlePath]);
}

/**
 * What the tests table stores and indexes for an identity: the SHA-256 hex of its key, fixed in
 * width whatever the titles' length. Computed only for identities an upload does not know yet.
 */
export function identityHash(key: string): string {
  return hash('sha256', key, 'hex');
}
