import { readFileSync } from 'node:fs';

/** The API package's version, as published in /api/v1/admin/health and /metrics. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
