import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectIntegration,
  HEAD_SHA,
  runDeliveries,
  startOutboxApp,
  startTestDeliveries,
  uploadForPr,
} from '../../test/deliveries.ts';
import { adminHeaders, createProject, type TestApp } from '../../test/harness.ts';
import { makeUser, seedComment, seedPull } from '../../test/scm-fakes/core.ts';
import { startFakeGithub, type FakeGithub } from '../../test/scm-fakes/github.ts';
import { startFakeGitlab } from '../../test/scm-fakes/gitlab.ts';
import { startFakeAzure } from '../../test/scm-fakes/azure.ts';
import type { DeliveryWorker } from './delivery-worker.ts';

/**
 * The outbox end to end: uploads queue deliveries, the worker sends them to fake platforms that
 * check every request against the platforms' published operations, and the run says how it went.
 */

const TOKEN = 'ghp_outbox_test_token_0123456789';
const REPO = 'acme/shop';

let t: TestApp;
let clock = new Date();
const now = () => clock;
const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
let fake: FakeGithub;
let worker: DeliveryWorker;

beforeAll(async () => {
  t = await startOutboxApp({ now, env: { SCM_DEBOUNCE_MS: '0', SCM_RETRY_BASE_MS: '1000' } });
});
afterAll(async () => {
  await t.close();
});

beforeEach(async () => {
  clock = new Date();
  fake = await startFakeGithub({ token: TOKEN });
  worker = startTestDeliveries(t, now);
});
afterEach(async () => {
  await worker.stop();
  expect(fake.violations).toEqual([]);
  await fake.close();
});

async function githubProject(pr = 7, headSha = HEAD_SHA) {
  const { project, token } = await createProject(t);
  await connectIntegration(t, project.slug, 'github', {
    token: TOKEN,
    baseUrl: fake.baseUrl,
    repository: REPO,
  });
  seedPull(fake.state, REPO, { number: pr, headSha });
  return { project, token };
}

const ourComments = (pr = 7) =>
  fake.commentsOf(REPO, pr).filter((c) => c.author.login === fake.user.login);
const statuses = () => fake.state.repos.get(REPO)?.statuses ?? [];
const requestsTo = (operationId: string) =>
  fake.requests.filter((r) => r.operationId === operationId);

describe('pull request deliveries', () => {
  it('writes one sticky comment and a commit status, then updates them in place', async () => {
    const { token } = await githubProject();
    const first = await uploadForPr(t, token, 'shard-1-of-2', {
      pr: '7',
      pipeline: 'p1',
      job: 'e2e',
    });
    expect(await worker.runOnce()).toBe(1);

    const [comment] = ourComments();
    const firstBody = comment?.body;
    expect(firstBody).toContain('**14** tests');
    expect(ourComments()).toHaveLength(1);
    expect(comment?.body.startsWith('<!-- flackyness:v1 project=')).toBe(true);
    expect(comment?.body).toContain(`/runs/${first.run.id}`);
    expect(statuses()).toHaveLength(1);
    expect(statuses()[0]).toMatchObject({ sha: HEAD_SHA, context: 'flackyness/playwright' });
    const [delivered] = await runDeliveries(t, first.run.id);
    expect(delivered).toMatchObject({
      provider: 'github',
      pr: '7',
      state: 'delivered',
      attempts: 1,
    });
    expect(delivered?.commentUrl).toContain('#issuecomment-');

    // The run's other shard: the same comment, updated (found by its remembered id, no search).
    const second = await uploadForPr(t, token, 'shard-2-of-2', {
      pr: '7',
      pipeline: 'p1',
      job: 'e2e',
    });
    expect(second.run.id).toBe(first.run.id);
    const listsBefore = requestsTo('issues/list-comments').length;
    expect(await worker.runOnce()).toBe(1);
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]?.body).not.toBe(firstBody);
    expect(ourComments()[0]?.body).toContain('**28** tests');
    expect(requestsTo('issues/update-comment')).toHaveLength(1);
    expect(requestsTo('issues/list-comments').length).toBe(listsBefore);

    // Nothing queued: nothing sent.
    expect(await worker.runOnce()).toBe(0);
  });

  it('finds its comment past 100 others, ignoring other users quoting the marker', async () => {
    const { project, token } = await githubProject(8);
    const someone = makeUser('someone', 9);
    for (let i = 0; i < 150; i += 1) {
      seedComment(
        fake.state,
        REPO,
        8,
        someone,
        `comment ${i} <!-- flackyness:v1 project=${project.id} -->`,
      );
    }
    const first = await uploadForPr(t, token, 'basic', { pr: '8', pipeline: 'p8' });
    await worker.runOnce();
    expect(ourComments(8)).toHaveLength(1);
    // Forget the remembered id, as after a database restore: the search must find it on page 2.
    await t.database
      .sql`update scm_pull_requests set comment_id = null where project_id = ${project.id}`;
    await uploadForPr(t, token, 'basic', { pr: '8', pipeline: 'p8-rerun' });
    await worker.runOnce();
    expect(ourComments(8)).toHaveLength(1);
    expect(fake.commentsOf(REPO, 8)).toHaveLength(151);
    expect(requestsTo('issues/list-comments').length).toBeGreaterThanOrEqual(2);
    expect((await runDeliveries(t, first.run.id))[0]?.state).toBe('delivered');
  });

  it('waits out a 429 with Retry-After, then sends once', async () => {
    const { token } = await githubProject(9);
    fake.failNext('issues/create-comment', {
      status: 429,
      headers: { 'retry-after': '30' },
      body: { message: 'API rate limit exceeded' },
    });
    const { run } = await uploadForPr(t, token, 'basic', { pr: '9', pipeline: 'p9' });
    await worker.runOnce();
    const [waiting] = await runDeliveries(t, run.id);
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, httpStatus: 429 });
    expect(new Date(waiting?.nextAttemptAt ?? 0).getTime()).toBeGreaterThanOrEqual(
      clock.getTime() + 30_000,
    );
    later(10_000);
    expect(await worker.runOnce()).toBe(0);
    later(25_000);
    expect(await worker.runOnce()).toBe(1);
    expect(ourComments(9)).toHaveLength(1);
    expect((await runDeliveries(t, run.id))[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('retries a 5xx with backoff and succeeds', async () => {
    const { token } = await githubProject(10);
    fake.failNext('pulls/get', { status: 502, body: { message: 'Bad gateway' } }, 2);
    const { run } = await uploadForPr(t, token, 'basic', { pr: '10', pipeline: 'p10' });
    await worker.runOnce();
    expect((await runDeliveries(t, run.id))[0]).toMatchObject({
      state: 'pending',
      httpStatus: 502,
    });
    later(60_000);
    await worker.runOnce();
    expect((await runDeliveries(t, run.id))[0]).toMatchObject({ state: 'pending', attempts: 2 });
    later(120_000);
    await worker.runOnce();
    expect((await runDeliveries(t, run.id))[0]).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(ourComments(10)).toHaveLength(1);
  });

  it('does not retry a refused token (401) and shows the failure, without the token', async () => {
    const lines: string[] = [];
    const logged = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    await worker.stop();
    worker = startTestDeliveries(t, now, { logger: logged });
    const { project, token } = await githubProject(11);
    await connectIntegration(t, project.slug, 'github', {
      token: 'ghp_revoked_token_abcdefghijklmnop',
      baseUrl: fake.baseUrl,
      repository: REPO,
    });
    const { run } = await uploadForPr(t, token, 'basic', { pr: '11', pipeline: 'p11' });
    await worker.runOnce();
    later(24 * 3600_000);
    expect(await worker.runOnce()).toBe(0);
    const [failed] = await runDeliveries(t, run.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, httpStatus: 401 });
    expect(failed?.reason).toMatch(/GitHub refused the token \(401\)/);
    expect(JSON.stringify(failed)).not.toContain('ghp_revoked');
    expect(lines.some((line) => line.includes('pull request delivery'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain('ghp_revoked');
      expect(line).not.toContain(TOKEN);
    }
    expect(fake.requests).toHaveLength(1);
    const health = await t.request('/api/v1/admin/health', { headers: adminHeaders(t) });
    const body = (await health.json()) as { outbox: { failed: number; depth: number } };
    expect(body.outbox.failed).toBeGreaterThanOrEqual(1);
  });

  it('writes nothing when the PR head is another commit', async () => {
    const { token } = await githubProject(12, 'f'.repeat(40));
    const { run } = await uploadForPr(t, token, 'basic', { pr: '12', pipeline: 'p12' });
    await worker.runOnce();
    const [skipped] = await runDeliveries(t, run.id);
    expect(skipped?.state).toBe('skipped');
    expect(skipped?.reason).toMatch(/head of pull request #12 is ffffffffffff.*nothing written/);
    expect(fake.commentsOf(REPO, 12)).toHaveLength(0);
    expect(statuses()).toHaveLength(0);
    expect(requestsTo('issues/create-comment')).toHaveLength(0);
  });

  it("writes to the integration's repository only, whatever the upload says", async () => {
    const { token } = await githubProject(13);
    seedPull(fake.state, 'evil/repo', { number: 14, headSha: HEAD_SHA });
    const { run } = await uploadForPr(t, token, 'basic', {
      pr: '14',
      pipeline: 'p14',
      repository: 'evil/repo',
    });
    await worker.runOnce();
    const [skipped] = await runDeliveries(t, run.id);
    expect(skipped).toMatchObject({ state: 'skipped', repository: REPO });
    expect(skipped?.reason).toContain(`not found in ${REPO}`);
    expect(fake.commentsOf('evil/repo', 14)).toHaveLength(0);
    expect(fake.requests.every((r) => !r.path.includes('evil'))).toBe(true);
  });

  it('leaves the comment on the newer run when an older run is delivered late', async () => {
    const { token } = await githubProject(20);
    // all-pass started after basic (their reports' start times).
    const newer = await uploadForPr(t, token, 'all-pass', { pr: '20', pipeline: 'late-new' });
    await worker.runOnce();
    const shown = ourComments(20)[0]?.body;
    expect(shown).toContain(`/runs/${newer.run.id}`);
    const older = await uploadForPr(t, token, 'basic', { pr: '20', pipeline: 'late-old' });
    await worker.runOnce();
    expect(ourComments(20)[0]?.body).toBe(shown);
    const [delivery] = await runDeliveries(t, older.run.id);
    expect(delivery?.state).toBe('delivered');
    expect(delivery?.reason).toContain('shows a newer run');
    // Nor its status: both still speak of the newer run.
    expect(statuses()).toHaveLength(1);
  });

  it('queues nothing for a run without a pull request, or a project without an integration', async () => {
    const { token } = await githubProject(15);
    const { run } = await uploadForPr(t, token, 'basic', { pipeline: 'p15' });
    const other = await createProject(t);
    const second = await uploadForPr(t, other.token, 'basic', { pr: '15', pipeline: 'p15' });
    expect(await worker.runOnce()).toBe(0);
    expect(await runDeliveries(t, run.id)).toEqual([]);
    expect(await runDeliveries(t, second.run.id)).toEqual([]);
  });

  it('sends each delivery once with two workers (two processes) at work', async () => {
    const { token } = await githubProject(16);
    for (const pr of [17, 18, 19]) seedPull(fake.state, REPO, { number: pr, headSha: HEAD_SHA });
    const runs = [];
    for (const pr of [16, 17, 18, 19]) {
      runs.push(
        (await uploadForPr(t, token, 'basic', { pr: String(pr), pipeline: `two-${pr}` })).run.id,
      );
    }
    // Two runs on one PR too: one comment, written one at a time.
    runs.push((await uploadForPr(t, token, 'basic', { pr: '16', pipeline: 'two-16-b' })).run.id);
    const other = startTestDeliveries(t, now);
    const [a, b] = await Promise.all([worker.runOnce(), other.runOnce()]);
    await Promise.all([worker.runOnce(), other.runOnce()]);
    await other.stop();
    expect((a ?? 0) + (b ?? 0)).toBeGreaterThanOrEqual(4);
    for (const pr of [16, 17, 18, 19]) expect(ourComments(pr)).toHaveLength(1);
    expect(requestsTo('issues/create-comment')).toHaveLength(4);
    expect(requestsTo('repos/create-commit-status')).toHaveLength(5);
    for (const runId of runs) expect((await runDeliveries(t, runId))[0]?.state).toBe('delivered');
  });
});

describe('GitLab and Azure DevOps deliveries', () => {
  it('writes and updates one merge request note and a status on GitLab', async () => {
    const gitlab = await startFakeGitlab({ token: 'glpat-outbox-test-0123456789' });
    try {
      const { project, token } = await createProject(t);
      await connectIntegration(t, project.slug, 'gitlab', {
        token: 'glpat-outbox-test-0123456789',
        baseUrl: gitlab.baseUrl,
        repository: 'group/sub/shop',
      });
      seedPull(gitlab.state, 'group/sub/shop', { number: 21, headSha: HEAD_SHA });
      await uploadForPr(t, token, 'shard-1-of-2', {
        ciProvider: 'gitlab',
        pr: '21',
        pipeline: 'g1',
        job: 'e2e 1/2',
      });
      await worker.runOnce();
      await uploadForPr(t, token, 'shard-2-of-2', {
        ciProvider: 'gitlab',
        pr: '21',
        pipeline: 'g1',
        job: 'e2e 2/2',
      });
      await worker.runOnce();
      const notes = gitlab
        .notesOf('group/sub/shop', 21)
        .filter((n) => n.author.login === gitlab.user.login);
      expect(notes).toHaveLength(1);
      expect(gitlab.state.repos.get('group/sub/shop')?.statuses.length).toBeGreaterThanOrEqual(1);
      expect(gitlab.violations).toEqual([]);
    } finally {
      await gitlab.close();
    }
  });

  it('writes and updates one pull request thread and a status on Azure DevOps', async () => {
    const azure = await startFakeAzure({ token: 'azure-outbox-pat-0123456789' });
    try {
      const { project, token } = await createProject(t);
      await connectIntegration(t, project.slug, 'azure', {
        token: 'azure-outbox-pat-0123456789',
        baseUrl: azure.baseUrl,
        repository: 'acme/Shop Project/shop',
      });
      seedPull(azure.state, 'acme/Shop Project/shop', { number: 31, headSha: HEAD_SHA });
      await uploadForPr(t, token, 'basic', { ciProvider: 'azure', pr: '31', pipeline: 'a1' });
      await worker.runOnce();
      await uploadForPr(t, token, 'all-pass', { ciProvider: 'azure', pr: '31', pipeline: 'a2' });
      await worker.runOnce();
      const threads = azure.threadsOf('acme/Shop Project/shop', 31);
      expect(threads).toHaveLength(1);
      expect(azure.state.repos.get('acme/shop project/shop')?.statuses.length).toBe(2);
      expect(azure.violations).toEqual([]);
    } finally {
      await azure.close();
    }
  });
});
