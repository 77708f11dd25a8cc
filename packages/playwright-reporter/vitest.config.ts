import { defineConfig } from 'vitest/config';

/** Unit tests beside the sources; the real-Playwright tests in test/ (they need the build). */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
