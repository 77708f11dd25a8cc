import { z } from 'zod';
import { toSafeText } from '../domain/safe-text.ts';

/**
 * A text parameter (query or body) matched against stored text: stored text holds U+FFFD where
 * its source held NUL or a lone surrogate (domain/safe-text.ts), so the parameter is made the
 * same way, and PostgreSQL, which refuses NUL, never sees one.
 */
export const safeTextParam = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .transform((text) => toSafeText(text));
