import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built reporter, as Playwright loads it from a user's config. */
export const builtEsm = join(packageDir, 'dist/esm/index.js');
export const builtCjs = join(packageDir, 'dist/cjs/index.js');
export const fixtureConfig = join(packageDir, 'test/fixtures/project/playwright.config.ts');
