import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import type { TestApp } from './harness.ts';

/**
 * The reporter package as users install it (its build), and the test app listening on a real port
 * so the Playwright runner's reporter can reach it.
 */

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const reporterDir = join(repoRoot, 'packages/playwright-reporter');
export const reporterEntry = join(reporterDir, 'dist/esm/index.js');
/** Two projects (alpha, beta), two workers, one retry: passes, failures, retries that pass, skips,
 *  test.fail(), tags, annotations, stdout and stderr. */
export const reporterFixtureConfig = join(
  reporterDir,
  'test/fixtures/project/playwright.config.ts',
);
export const liveFixtureDir = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures/live-project',
);

/** Builds the reporter when its build is missing (pnpm test builds it first). */
export function ensureReporterBuilt(): void {
  if (existsSync(reporterEntry)) return;
  execFileSync('pnpm', ['--filter', '@flackyness/playwright-reporter', 'build'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The test app on a loopback port. */
export async function listen(t: Pick<TestApp, 'app'>): Promise<Listening> {
  const server = createServer(getRequestListener(t.app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GitLab CI variables of one job, so the live run and the upload name the same run. */
export function gitlabJob(pipeline: string): Record<string, string> {
  return {
    GITLAB_CI: 'true',
    CI: 'true',
    CI_PIPELINE_ID: pipeline,
    CI_JOB_NAME: 'e2e',
    CI_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
    CI_COMMIT_REF_NAME: 'main',
    CI_PROJECT_PATH: 'group/app',
    CI_JOB_URL: `https://gitlab.example.com/group/app/-/jobs/${pipeline}`,
  };
}

export const gitlabUploadQuery = (pipeline: string) => ({
  pipeline,
  job: 'e2e',
  commit: '0123456789abcdef0123456789abcdef01234567',
  branch: 'main',
  ciProvider: 'gitlab',
  repository: 'group/app',
  runUrl: `https://gitlab.example.com/group/app/-/jobs/${pipeline}`,
});
