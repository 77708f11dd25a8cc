import { defineConfig } from 'vitest/config';

/**
 * Unit tests beside the sources; the real-Playwright tests in test/ (they need the build). The
 * timeouts are ceilings for a loaded 2-core machine, where one Playwright run can take 30 s;
 * idle, the suite takes about 40 s.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
