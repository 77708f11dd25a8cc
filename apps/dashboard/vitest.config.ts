import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests of the pure pieces (formatters, URL state, option builders), and browser tests that
 * drive Debian's Chromium against the real server (test/global-setup.ts starts it once).
 */
export default defineConfig({
  plugins: [sveltekit()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'] },
      },
      {
        test: {
          name: 'browser',
          include: ['test/specs/**/*.browser.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One server and one browser at a time: the machines have two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
