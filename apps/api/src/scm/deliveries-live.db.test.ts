import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectIntegration,
  HEAD_SHA,
  runDeliveries,
  startOutboxApp,
  startTestDeliveries,
  uploadForPr,
} from '../../test/deliveries.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { createProject, uploadReport, type TestApp } from '../../test/harness.ts';
import { liveScriptFromReport, postJson } from '../../test/live-session.ts';
import { seedPull } from '../../test/scm-fakes/core.ts';
import { startFakeGithub, type FakeGithub } from '../../test/scm-fakes/github.ts';
import { createLogger } from '../logger.ts';
import { cancelOrphanedRuns } from '../jobs/live-orphans.ts';
import type { DeliveryWorker } from './delivery-worker.ts';

/**
 * Live runs post too (DESIGN.md §6–7): a pending status while the run goes on, the summary when
 * its teardown completes it, and the same comment when its upload follows; a run given up for
 * dead says so. And the optional "likely causes" paragraph, with its fallback.
 */

const TOKEN = 'ghp_live_outbox_token_0123456789';
const REPO = 'acme/live';

let clock = new Date();
const now = () => clock;
let fake: FakeGithub;

beforeEach(async () => {
  clock = new Date();
  fake = await startFakeGithub({ token: TOKEN });
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

async function connectedProject(t: TestApp, pr: number) {
  const { project, token } = await createProject(t);
  await connectIntegration(t, project.slug, 'github', {
    token: TOKEN,
    baseUrl: fake.baseUrl,
    repository: REPO,
  });
  seedPull(fake.state, REPO, { number: pr, headSha: HEAD_SHA });
  return { project, token };
}

const ours = (pr: number) =>
  fake.commentsOf(REPO, pr).filter((c) => c.author.login === fake.user.login);
const statusStates = () => (fake.state.repos.get(REPO)?.statuses ?? []).map((s) => s.state);

describe('live runs', () => {
  let t: TestApp;
  let worker: DeliveryWorker;
  beforeAll(async () => {
    t = await startOutboxApp({ now, env: { SCM_DEBOUNCE_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    worker = startTestDeliveries(t, now);
  });
  afterEach(async () => {
    await worker.stop();
  });

  it('says pending while running, then updates the same comment at teardown and upload', async () => {
    const { token } = await connectedProject(t, 41);
    const json = structuredClone(loadReport('basic')) as PlaywrightReport;
    const ci = { provider: 'github' as const, pr: '41', commit: HEAD_SHA, branch: 'feature/live' };
    const script = liveScriptFromReport(json, { ...ci, pipeline: 'L1', job: 'e2e' });
    const setup = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
    expect(setup.status).toBe(201);
    const { sessionId, runId } = (await setup.json()) as { sessionId: string; runId: string };

    await worker.runOnce();
    expect(ours(41)).toHaveLength(1);
    expect(statusStates()).toEqual(['pending']);
    const running = ours(41)[0]?.body ?? '';

    const batch = await postJson(t, '/api/v1/ingest/event', token, {
      sessionId,
      seq: 0,
      events: script.events,
    });
    expect(batch.status).toBe(202);
    const teardown = await postJson(t, '/api/v1/ingest/teardown', token, {
      sessionId,
      status: 'failed',
      summary: { ...script.summary, lastSeq: 0, notRun: script.notRun },
    });
    expect(teardown.status).toBe(200);
    await worker.runOnce();
    expect(ours(41)).toHaveLength(1);
    expect(ours(41)[0]?.body).not.toBe(running);
    expect(ours(41)[0]?.body).toContain('**28** tests');
    expect(statusStates()).toEqual(['pending', 'failure']);

    // The job's JSON report uploaded as well: it replaces the live part; still one comment.
    const upload = await uploadReport(t, token, loadReport('basic'), {
      query: {
        ciProvider: 'github',
        pr: '41',
        commit: HEAD_SHA,
        branch: 'feature/live',
        pipeline: 'L1',
        job: 'e2e',
      },
    });
    expect(upload.status, await upload.clone().text()).toBeLessThan(300);
    expect(((await upload.json()) as { run: { id: string } }).run.id).toBe(runId);
    await worker.runOnce();
    expect(ours(41)).toHaveLength(1);
    expect((await runDeliveries(t, runId))[0]).toMatchObject({ state: 'delivered' });
  });

  it('says a run given up for dead was cancelled, not pending for ever', async () => {
    const { token } = await connectedProject(t, 42);
    const json = structuredClone(loadReport('basic')) as PlaywrightReport;
    const script = liveScriptFromReport(json, {
      provider: 'github',
      pr: '42',
      commit: HEAD_SHA,
      pipeline: 'L2',
    });
    expect((await postJson(t, '/api/v1/ingest/setup', token, script.setup)).status).toBe(201);
    await worker.runOnce();
    clock = new Date(clock.getTime() + 25 * 3600_000);
    const cancelled = await cancelOrphanedRuns({
      database: t.database,
      bus: t.live.bus,
      orphanHours: 24,
      logger: createLogger('silent'),
      now,
    });
    // Other files' live sessions on a shared database may be cancelled with it.
    expect(cancelled).toBeGreaterThanOrEqual(1);
    await worker.runOnce();
    expect(statusStates()).toEqual(['pending', 'error']);
    expect(ours(42)).toHaveLength(1);
  });
});

describe('the likely-causes paragraph', () => {
  let t: TestApp;
  let llm: Server;
  let answer: { status: number; content: string } = { status: 200, content: '' };
  const prompts: string[] = [];
  beforeAll(async () => {
    llm = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        prompts.push(body);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: answer.content } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
    const { port } = llm.address() as AddressInfo;
    t = await startOutboxApp({
      now,
      env: { SCM_DEBOUNCE_MS: '0', LLM_URL: `http://127.0.0.1:${port}/v1/chat/completions` },
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => llm.close(resolve));
  });

  it('is added, labelled, from the failures only; and left out when the model fails', async () => {
    const worker = startTestDeliveries(t, now);
    try {
      const { token } = await connectedProject(t, 43);
      answer = { status: 200, content: 'The checkout button moved in this change.' };
      await uploadForPr(t, token, 'basic', { pr: '43', pipeline: 'ai-1' });
      await worker.runOnce();
      const body = ours(43)[0]?.body ?? '';
      expect(body).toMatch(/Likely causes \(generated by a language model/);
      expect(body).toContain('The checkout button moved in this change\\.');
      expect(prompts).toHaveLength(1);
      expect(prompts[0]).toContain('always fails');
      expect(prompts[0]).not.toContain(TOKEN);
      expect(prompts[0]).not.toContain('SECRET_MARKER');

      answer = { status: 500, content: '' };
      await uploadForPr(t, token, 'basic', { pr: '43', pipeline: 'ai-2' });
      await worker.runOnce();
      expect(ours(43)).toHaveLength(1);
      expect(ours(43)[0]?.body).not.toMatch(/Likely causes/);
      expect(ours(43)[0]?.body).toContain('Full report');
    } finally {
      await worker.stop();
    }
  });
});
