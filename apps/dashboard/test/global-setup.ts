import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { FakeGithub } from '../../api/test/scm-fakes/github.ts';
import { callApi } from './api';
import { seedDeliveries, startGithub, type DeliveriesSeed } from './deliveries';
import { runPlaywrightSpec } from './reports';
import { startServer } from './server';

/**
 * One real server for the browser tests: embedded database (the README's one-command start), the
 * demo project seeded by `--demo`, and a second project holding real fixture reports and a test
 * whose title is markup, so isolation and escaping are checked on real data. That project is also
 * connected to a fake GitHub, so two of its runs have pull request summaries (test/deliveries.ts).
 */

const fixtureReports = fileURLToPath(new URL('../../api/test/fixtures/reports/', import.meta.url));

export const XSS_TITLE = '<img src=x onerror=alert(1)>';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    adminToken: string;
    demoToken: string;
    otherToken: string;
    otherSlug: string;
    xssTestId: string;
    deliveries: DeliveriesSeed;
  }
}

async function upload(
  baseUrl: string,
  token: string,
  report: unknown,
  fields: Record<string, string>,
): Promise<{ run: { id: string } }> {
  const form = new FormData();
  form.set(
    'report',
    new Blob([JSON.stringify(report)], { type: 'application/json' }),
    'report.json',
  );
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  const response = await fetch(`${baseUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (response.status >= 300)
    throw new Error(`upload: ${response.status} ${await response.text()}`);
  return (await response.json()) as { run: { id: string } };
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'flackyness-dash-'));
  const adminToken = `admin_${randomBytes(16).toString('hex')}`;
  const github = await startGithub();
  const server = await startServer({
    env: {
      DATA_DIR: dataDir,
      ADMIN_TOKEN: adminToken,
      // Provider tokens are sealed with it; the outbox worker polls often and sends at once.
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SCM_POLL_MS: '200',
      SCM_DEBOUNCE_MS: '0',
    },
    args: ['--demo'],
  }).catch(async (error: unknown) => {
    await github.close();
    throw error;
  });
  try {
    await seed(project, server.url, adminToken, github);
  } catch (error) {
    await server.stop();
    await github.close();
    throw error;
  }
  return async () => {
    await server.stop();
    await github.close();
    await rm(dataDir, { recursive: true, force: true });
    // The specs saw the violations up to the seeding; any later request is checked here.
    if (github.violations.length > 0) {
      throw new Error(`the fake GitHub saw contract violations:\n${github.violations.join('\n')}`);
    }
  };
}

async function seed(project: TestProject, baseUrl: string, adminToken: string, github: FakeGithub) {
  const { token: demoToken } = await callApi<{ token: string }>(
    baseUrl,
    adminToken,
    'POST',
    '/api/v1/admin/projects/demo/rotate-token',
    {},
  );
  const created = await callApi<{ project: { slug: string }; token: string }>(
    baseUrl,
    adminToken,
    'POST',
    '/api/v1/admin/projects',
    { name: 'Other team' },
  );
  const otherToken = created.token;
  for (const [index, name] of ['basic', 'all-pass', 'basic'].entries()) {
    const report = JSON.parse(await readFile(path.join(fixtureReports, `${name}.json`), 'utf8'));
    await upload(baseUrl, otherToken, report, {
      branch: 'main',
      commit: `${index}`.repeat(40),
      pipeline: `p${index}`,
      job: 'e2e',
      ciProvider: 'github',
    });
  }
  const hostile = await runPlaywrightSpec(
    [
      `import { test, expect } from '@playwright/test';`,
      // Fails, then passes on its retry: flaky, so it is listed on the flaky-tests page too.
      `test(${JSON.stringify(XSS_TITLE)}, () => { expect(test.info().retry).toBe(1); });`,
      `test('plain neighbour', () => {});`,
      '',
    ].join('\n'),
  );
  await upload(baseUrl, otherToken, hostile, {
    branch: '<b>branch</b>',
    commit: 'f'.repeat(40),
    pipeline: 'hostile',
    job: 'e2e',
    ciProvider: 'github',
  });
  const found = await callApi<{ items: { testId: string; title: string }[] }>(
    baseUrl,
    otherToken,
    'GET',
    `/api/v1/projects/${created.project.slug}/flaky-tests?status=all&q=onerror`,
  );
  const xss = found.items.find((item) => item.title === XSS_TITLE);
  if (!xss) throw new Error('the hostile test was not stored');
  const deliveries = await seedDeliveries({
    baseUrl,
    adminToken,
    slug: created.project.slug,
    fake: github,
    fixtureReports,
    upload: (report, fields) => upload(baseUrl, otherToken, report, fields),
  });

  project.provide('baseUrl', baseUrl);
  project.provide('adminToken', adminToken);
  project.provide('demoToken', demoToken);
  project.provide('otherToken', otherToken);
  project.provide('otherSlug', created.project.slug);
  project.provide('xssTestId', xss.testId);
  project.provide('deliveries', deliveries);
}
