import { ciProviderNames as ciProviders } from '@flackyness/shared/ingest';
import { z } from 'zod';
import { toSafeText } from '../domain/safe-text.ts';

// Free text is stored as sent, with NUL and lone surrogates made U+FFFD (see toSafeText).
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((v) => (v === '' ? undefined : toSafeText(v)))
    .optional();

/**
 * Metadata sent with an upload (query parameters, or form fields beside the `report` file).
 * Unknown names are refused, so a misspelt `brnach` is reported instead of silently dropped.
 */
export const uploadMetadataSchema = z.strictObject({
  branch: text(255),
  commit: text(64),
  pipeline: text(255),
  job: text(255),
  shard: z
    .string()
    .trim()
    .regex(/^\d{1,4}\/\d{1,4}$/, 'must look like "2/4"')
    .refine((v) => {
      const [current, total] = v.split('/').map(Number) as [number, number];
      return current >= 1 && current <= total;
    }, 'must be current/total with 1 ≤ current ≤ total')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ciProvider: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.enum(ciProviders, { error: `must be one of ${ciProviders.join(', ')}` }).optional())
    .optional(),
  repository: text(255),
  pr: z
    .string()
    .trim()
    .regex(/^\d{1,10}$/, 'must be a pull/merge request number')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  runUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .transform(toSafeText)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  environment: text(100),
  runName: text(255),
  project: text(255),
  partial: z
    .enum(['1', '0', 'true', 'false', ''], { error: 'must be 1, 0, true or false' })
    .transform((v) => v === '1' || v === 'true')
    .optional(),
});

export type UploadMetadata = z.infer<typeof uploadMetadataSchema>;

/**
 * GitLab names the jobs of a `parallel:` job "name 1/4", "name 2/4"…: they are one job whose
 * index is the shard. Returns the job without that suffix, and the suffix as a shard key.
 */
export function splitParallelJob(job: string | undefined): { job: string; shard?: string } {
  if (!job) return { job: '' };
  // Not /^(.*\S)\s+(\d+)\/(\d+)$/, which backtracks over long runs of spaces: the suffix is
  // found from the end, and the name is what is left before its spaces.
  const match = /\s(\d+)\/(\d+)$/.exec(job);
  if (!match) return { job };
  const name = job.slice(0, match.index).trimEnd();
  if (name === '') return { job };
  return { job: name, shard: `${match[1]}/${match[2]}` };
}
