import { ScmHttpError } from '../http.ts';

/** Small checks the three providers share. */

/** A PR/MR number, thread or comment id as the platforms use them: a positive decimal integer. */
export function requireNumericId(value: string, what: string): string {
  if (!/^[1-9]\d{0,18}$/.test(value))
    throw new Error(`Not a valid ${what}: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

/** Characters as people (and the platforms' validators) count them: code points, not UTF-16 units. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Refuses a status description the platform would reject, before spending a request on it. */
export function requireDescriptionWithin(description: string, max: number, platform: string): void {
  const length = charCount(description);
  if (length > max) {
    throw new Error(
      `${platform} commit status description is ${length} characters; the limit is ${max} (shorten it before sending)`,
    );
  }
}

/** Whether an error is the platform's 404 (a thing that does not exist, or was deleted). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ScmHttpError && error.status === 404;
}
