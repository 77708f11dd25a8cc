import { defineConfig } from 'vitest/config';

/**
 * Three projects: pure unit tests once, and every database test (`*.db.test.ts`) twice, against
 * embedded PGlite and against a real PostgreSQL server (prepared by test/postgres-setup.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          env: { FLK_TEST_DB: 'embedded' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          env: { FLK_TEST_DB: 'postgres' },
          globalSetup: ['test/postgres-setup.ts'],
        },
      },
    ],
  },
});
