import type { z } from 'zod';
import { ApiError, zodIssues } from '../errors.ts';

/** Parses input with a zod schema; failures answer 400 with every offending field path. */
export function validate<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ApiError('validation_failed', `Invalid ${what}`, zodIssues(parsed.error.issues));
  }
  return parsed.data;
}
