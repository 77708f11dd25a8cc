import { randomBytes } from 'node:crypto';
import { adminHeaders, type TestApp } from './harness.ts';
import { postJson } from './live-session.ts';

/**
 * A project whose every stored text holds one distinctive marker (project name, run metadata,
 * test titles, files, Playwright projects, error messages, log output, integration repository),
 * so that an answer holding any byte of its data can be recognised by the marker alone. Used by
 * the authorization matrix (no answer leaks another project's data) and the hostile JSON test.
 */

export interface MarkedProject {
  mark: string;
  project: { id: string; slug: string; name: string };
  /** The token the seeding used (still live: rotate it to retire it). */
  token: string;
  runId: string;
  testId: string;
  liveSessionId: string;
  liveRunId: string;
}

/** A small Playwright JSON report (passed, flaky, failed) whose every text holds `mark`. */
export function markedReport(mark: string, start: Date, options: { suffix?: string } = {}) {
  const at = (ms: number) => new Date(start.getTime() + ms).toISOString();
  const file = `${mark}-file${options.suffix ?? ''}.spec.ts`;
  const attempt = (status: string, retry: number, message?: string) => ({
    workerIndex: 0,
    status,
    duration: 10,
    errors: message ? [{ message }] : [],
    ...(message ? { error: { message, stack: `${message}\n    at ${file}:3:7` } } : {}),
    stdout: [{ text: `${mark} stdout\n` }],
    stderr: [],
    retry,
    startTime: at(retry * 20),
    attachments: [],
  });
  const test = (status: string, results: unknown[]) => ({
    timeout: 10000,
    annotations: [{ type: `${mark}-annotation`, description: `${mark} note` }],
    expectedStatus: 'passed',
    projectId: `${mark}-pw`,
    projectName: `${mark}-pw`,
    results,
    status,
  });
  const spec = (title: string, line: number, tests: unknown[]) => ({
    title,
    ok: true,
    tags: [`${mark}tag`],
    tests,
    id: `${mark}-${line}`,
    file,
    line,
    column: 1,
  });
  return {
    config: { version: '1.50.0', shard: null, projects: [{ name: `${mark}-pw` }] },
    suites: [
      {
        title: file,
        file,
        line: 0,
        column: 0,
        specs: [spec(`${mark} passes`, 3, [test('expected', [attempt('passed', 0)])])],
        suites: [
          {
            title: `${mark} describe`,
            file,
            line: 5,
            column: 1,
            specs: [
              spec(`${mark} flaky`, 6, [
                test('flaky', [
                  attempt('failed', 0, `Error: ${mark} flaky failure`),
                  attempt('passed', 1),
                ]),
              ]),
              spec(`${mark} fails`, 9, [
                test('unexpected', [attempt('failed', 0, `Error: ${mark} hard failure`)]),
              ]),
            ],
          },
        ],
      },
    ],
    errors: [],
    stats: { startTime: at(0), duration: 100, expected: 1, unexpected: 1, flaky: 1, skipped: 0 },
  };
}

/** Upload metadata with `mark` in every text field. */
export function markedMetadata(mark: string): Record<string, string> {
  return {
    branch: `${mark}-branch`,
    commit: `${mark}commit`,
    pipeline: `${mark}-pipeline`,
    job: `${mark}-job`,
    ciProvider: 'github',
    repository: `${mark}-org/${mark}-repo`,
    pr: '7',
    runUrl: `https://ci.example/${mark}/jobs/1`,
    environment: `${mark}-env`,
    runName: `${mark}-run`,
  };
}

async function expectStatus(response: Response, status: number, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Creates a project named and seeded with `mark`: an upload, a live run, an integration. */
export async function seedMarkedProject(t: TestApp, mark: string): Promise<MarkedProject> {
  const slug = `authz-${mark.toLowerCase().replace(/[^a-z0-9]/g, '')}-${randomBytes(3).toString('hex')}`;
  const created = (await expectStatus(
    await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: `${mark} project`, slug }),
    }),
    201,
    'create project',
  )) as { project: MarkedProject['project']; token: string };
  const { project, token } = created;
  const start = new Date(Date.now() - 3_600_000);
  const query = new URLSearchParams(markedMetadata(mark)).toString();
  const uploaded = (await expectStatus(
    await t.request(`/api/v1/reports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(markedReport(mark, start)),
    }),
    201,
    'upload',
  )) as { run: { id: string } };
  const runId = uploaded.run.id;
  const [row] = await t.database.sql<{ testId: string }[]>`
    select test_id::text as "testId" from test_results where run_id = ${runId} limit 1`;
  const live = (await expectStatus(
    await postJson(t, '/api/v1/ingest/setup', token, {
      framework: 'playwright',
      reporterVersion: `${mark}-rv`,
      playwrightVersion: '1.50.0',
      totalTests: 1,
      runName: `${mark}-live-run`,
      environment: `${mark}-live-env`,
      startedAt: start.toISOString(),
      ci: {
        provider: 'github',
        repository: `${mark}-org/${mark}-live`,
        branch: `${mark}-live-branch`,
        commit: `${mark}livecommit`,
        pr: 8,
        runUrl: `https://ci.example/${mark}/live`,
        pipeline: `${mark}-live-pipeline`,
        job: `${mark}-live-job`,
      },
    }),
    201,
    'live setup',
  )) as { sessionId: string; runId: string };
  const identity = {
    testId: `${mark}-live-test`,
    title: `${mark} live test`,
    titlePath: [`${mark} live describe`, `${mark} live test`],
    file: `${mark}-live.spec.ts`,
    projectName: `${mark}-pw`,
  };
  await expectStatus(
    await postJson(t, '/api/v1/ingest/event', token, {
      sessionId: live.sessionId,
      seq: 0,
      events: [
        { type: 'test-begin', ...identity, retry: 0, startTime: start.toISOString() },
        { type: 'log', testId: identity.testId, retry: 0, stream: 'stdout', chunk: `${mark} log` },
        {
          type: 'test-end',
          ...identity,
          retry: 0,
          status: 'failed',
          duration: 5,
          startTime: start.toISOString(),
          error: { message: `Error: ${mark} live failure` },
          expectedStatus: 'passed',
          outcome: 'unexpected',
          willRetry: false,
          tags: [`@${mark}`],
          annotations: [],
          order: 0,
          specId: identity.testId,
        },
      ],
    }),
    202,
    'live event',
  );
  await expectStatus(
    await t.request(`/api/v1/admin/projects/${project.id}/integrations/github`, {
      method: 'PUT',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ token: `ghp_${mark}secret`, repository: `${mark}-org/${mark}-repo` }),
    }),
    201,
    'integration',
  );
  return {
    mark,
    project,
    token,
    runId,
    testId: row?.testId ?? '',
    liveSessionId: live.sessionId,
    liveRunId: live.runId,
  };
}
