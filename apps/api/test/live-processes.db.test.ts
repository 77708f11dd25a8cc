import type { StreamRunUpdated } from '@flackyness/shared/api';
import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseReports } from './hostile-inputs.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import { runPlaywright } from '../../../packages/playwright-reporter/test/run-playwright.ts';
import { ensureReporterBuilt, reporterEntry, reporterFixtureConfig } from './live-reporter.ts';
import { liveScriptFromReport, postJson } from './live-session.ts';
import { createProjectOn, startServer, type RunningServer } from './server-process.ts';
import { SseReader } from './sse-client.ts';

/**
 * Two API processes on one PostgreSQL (the scale path of DESIGN.md §2): a viewer's streams on one,
 * the reporter's batches on the other; LISTEN/NOTIFY carries every change across.
 */

const ADMIN = 'admin-token-for-two-processes-0123';
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let a: RunningServer | undefined;
let b: RunningServer | undefined;

describe.skipIf(dbMode !== 'postgres')('two API processes, one PostgreSQL', () => {
  beforeAll(async () => {
    ensureReporterBuilt();
    database = await createIsolatedDatabase();
    const env = { DATABASE_URL: database.url, ADMIN_TOKEN: ADMIN, SERVE_DASHBOARD: 'false' };
    // One after the other: the first migrates the new database.
    a = await startServer({ env });
    b = await startServer({ env });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('a viewer on one process sees, live and in order, what the reporter sends to the other', async () => {
    const [one, other] = [a as RunningServer, b as RunningServer];
    const { project, token } = await createProjectOn(one.url, ADMIN, 'Two processes');
    const onOther = {
      request: (path: string, init?: RequestInit) => fetch(`${other.url}${path}`, init),
    };
    const basic = loadBaseReports(new Date()).find((r) => r.name === 'basic');
    const script = liveScriptFromReport(basic?.report as PlaywrightReport);

    const projectStream = new SseReader(
      await fetch(`${one.url}/api/v1/projects/${project.slug}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    const setup = await postJson(onOther, '/api/v1/ingest/setup', token, script.setup);
    expect(setup.status).toBe(201);
    const { sessionId, runId } = (await setup.json()) as { sessionId: string; runId: string };
    const runStream = new SseReader(
      await fetch(`${one.url}/api/v1/runs/${runId}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    await runStream.until((r) => r.of('run-updated').length > 0);
    let seq = 0;
    for (let i = 0; i < script.events.length; i += 10) {
      const response = await postJson(onOther, '/api/v1/ingest/event', token, {
        sessionId,
        seq: seq++,
        events: script.events.slice(i, i + 10),
      });
      expect(response.status).toBe(202);
    }
    const sent = script.events.length;
    const streamed = (r: SseReader) => r.messages.filter((m) => m.event !== 'run-updated');
    await runStream.until((r) => streamed(r).length === sent);
    const ids = streamed(runStream).map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(sent);

    const teardown = await postJson(onOther, '/api/v1/ingest/teardown', token, {
      sessionId,
      status: 'failed',
      summary: { ...script.summary, lastSeq: seq - 1, notRun: script.notRun },
    });
    expect(teardown.status).toBe(200);
    const ended = (r: SseReader) =>
      r
        .of<StreamRunUpdated>('run-updated')
        .some((u) => u.run.id === runId && u.run.status !== 'running');
    await runStream.until(ended);
    await projectStream.until(ended);
    await Promise.all([runStream.close(), projectStream.close()]);
  });

  it('the real reporter streams to one process while a viewer follows the run on the other', async () => {
    const [one, other] = [a as RunningServer, b as RunningServer];
    const { project, token } = await createProjectOn(
      one.url,
      ADMIN,
      'Reporter on the other process',
    );
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const projectStream = new SseReader(
      await fetch(`${one.url}/api/v1/projects/${project.slug}/stream`, auth),
    );
    const running = runPlaywright({
      config: reporterFixtureConfig,
      reporters: ['json', reporterEntry],
      env: {
        FLACKYNESS_URL: other.url,
        FLACKYNESS_TOKEN: token,
        FLACKYNESS_FLUSH_INTERVAL_MS: '200',
      },
    });
    await projectStream.until((r) => r.of<StreamRunUpdated>('run-updated').length > 0, 60_000);
    const runId = projectStream.of<StreamRunUpdated>('run-updated')[0]?.run.id as string;
    const runStream = new SseReader(await fetch(`${one.url}/api/v1/runs/${runId}/stream`, auth));
    const run = await running;
    expect(run.exitCode, run.stderr).toBe(1);
    const ended = (r: SseReader) =>
      r
        .of<StreamRunUpdated>('run-updated')
        .some((u) => u.run.id === runId && u.run.status === 'failed');
    await runStream.until(ended, 30_000);
    await projectStream.until(ended, 30_000);
    const attempts = (run.jsonReport?.suites ?? [])
      .flatMap(function specs(suite): { tests: { results: unknown[] }[] }[] {
        return [...(suite.specs ?? []), ...(suite.suites ?? []).flatMap(specs)];
      })
      .flatMap((spec) => spec.tests)
      .reduce((sum, test) => sum + test.results.length, 0);
    expect(runStream.of('test-end')).toHaveLength(attempts);
    const last = runStream.of<StreamRunUpdated>('run-updated').at(-1)?.run;
    expect(last?.totals.total).toBe(last?.live?.totalTests);
    await Promise.all([runStream.close(), projectStream.close()]);
  }, 180_000);
});
