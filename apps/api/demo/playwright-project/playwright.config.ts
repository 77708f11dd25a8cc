import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { demoConditions } from './chance.ts';

/**
 * The demo shop's end-to-end suite, run by ../generate-demo-reports.ts to produce the reports the
 * demo project is filled from. No test opens a browser: each body is plain code with expect(), and
 * FLK_DEMO_* variables decide which tests flake or fail (see chance.ts).
 */
export default defineConfig({
  testDir: './tests',
  // Outside the repository so a generation leaves no files behind.
  outputDir: process.env.FLK_OUTPUT_DIR ?? path.join(os.tmpdir(), 'flackyness-demo-results'),
  retries: 2,
  workers: 2,
  timeout: 5_000,
  reporter: [['json']],
  // Read back by the demo seeding to place each report in the story (src/demo/seed-demo.ts);
  // ingestion itself never stores config.metadata.
  metadata: { demo: demoConditions() },
  projects: [{ name: 'chromium' }, { name: 'firefox' }],
});
