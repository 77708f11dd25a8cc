import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeUser, seedPull } from '../../../test/scm-fakes/core.ts';
import { startFakeAzure, type FakeAzure } from '../../../test/scm-fakes/azure.ts';
import { ScmHttpError } from '../http.ts';
import type { ScmTarget } from '../types.ts';
import { AzureDevOpsProvider, azureMarkerProperty } from './azure.ts';

const token = 'azure-secret-pat-value';
const repository = 'fabrikam/Fiber Project/web';
const marker = '<!-- flackyness:v1 project=p1 key=default -->';
const sha = 'd'.repeat(40);
let fake: FakeAzure;

function provider(overrides: Partial<ScmTarget> = {}): AzureDevOpsProvider {
  return new AzureDevOpsProvider({
    baseUrl: fake.baseUrl,
    repository,
    token,
    timeoutMs: 5_000,
    ...overrides,
  });
}

const markedProperties = { [azureMarkerProperty]: { $type: 'System.String', $value: marker } };

async function rejection(promise: Promise<unknown>): Promise<ScmHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScmHttpError);
  return error as ScmHttpError;
}

describe('AzureDevOpsProvider', () => {
  beforeEach(async () => {
    fake = await startFakeAzure({ token });
    seedPull(fake.state, repository, { number: 31, headSha: sha, sourceBranch: 'users/ann/fix' });
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    // api-version=7.1 on every request (the fake would also have recorded a violation).
    expect(fake.requests.every((r) => r.query.get('api-version') === '7.1')).toBe(true);
    await fake.close();
  });

  it('reads a pull request, and null for one that does not exist', async () => {
    seedPull(fake.state, repository, { number: 32, state: 'merged' });
    seedPull(fake.state, repository, { number: 33, state: 'closed' });
    const az = provider();
    expect(await az.getPullRequest('31')).toMatchObject({
      number: '31',
      headSha: sha,
      state: 'open',
      sourceBranch: 'users/ann/fix',
    });
    expect((await az.getPullRequest('32'))?.state).toBe('merged');
    expect((await az.getPullRequest('33'))?.state).toBe('closed');
    expect(await az.getPullRequest('99')).toBeNull();
    expect(fake.requests[0]?.path).toBe(
      '/fabrikam/Fiber%20Project/_apis/git/repositories/web/pullrequests/31',
    );
  });

  it('creates a closed, marked thread, finds it and updates its first comment', async () => {
    const az = provider();
    expect(await az.findComment('31', marker)).toBeNull();
    const created = await az.createComment('31', `${marker}\nfirst`);
    expect(created.id).toMatch(/^\d+\/1$/);
    const [thread] = fake.threadsOf(repository, 31);
    expect(thread).toMatchObject({ status: 4, properties: markedProperties });

    const found = await az.findComment('31', marker);
    expect(found?.id).toBe(created.id);
    const updated = await az.updateComment('31', found!, `${marker}\nsecond`);
    expect(updated.id).toBe(created.id);
    expect(thread?.comments[0]?.content).toBe(`${marker}\nsecond`);
  });

  it('needs the thread property and the content marker, and prefers the newest', async () => {
    const someone = makeUser('someone', 9);
    fake.seedThread(repository, 31, someone, `> ${marker} quoted by a person`);
    const old = fake.seedThread(repository, 31, fake.user, `${marker}\nold`, markedProperties);
    const newest = fake.seedThread(repository, 31, fake.user, `${marker}\nnew`, markedProperties);
    fake.seedThread(repository, 31, fake.user, 'property but no marker', markedProperties);
    expect((await provider().findComment('31', marker))?.id).toBe(`${newest.id}/1`);
    expect(old.id).toBeLessThan(newest.id);
  });

  it('the known comment names our identity: other authors are then ignored, and a deleted one falls back', async () => {
    const mine = fake.seedThread(repository, 31, fake.user, `${marker}\nours`, markedProperties);
    const decoy = fake.seedThread(
      repository,
      31,
      makeUser('other tool', 9),
      `${marker}\nnot ours`,
      markedProperties,
    );
    const az = provider();
    expect((await az.findComment('31', marker, `${mine.id}/1`))?.id).toBe(`${mine.id}/1`);
    expect(decoy.id).toBeGreaterThan(mine.id);

    // Someone deletes our comment: the search now skips the decoy written by another identity.
    mine.comments[0]!.isDeleted = true;
    const again = fake.seedThread(repository, 31, fake.user, `${marker}\nagain`, markedProperties);
    fake.seedThread(
      repository,
      31,
      makeUser('other tool', 9),
      `${marker}\nnewer decoy`,
      markedProperties,
    );
    expect((await az.findComment('31', marker, `${mine.id}/1`))?.id).toBe(`${again.id}/1`);
  });

  it('posts a pull request status with genre and name', async () => {
    const az = provider();
    const pr = (await az.getPullRequest('31'))!;
    await az.setCommitStatus({
      pr,
      sha,
      state: 'success',
      description: 'all passed',
      targetUrl: 'https://f.example/r/1',
      context: 'flackyness/playwright',
    });
    expect(fake.state.repos.get(repository.toLowerCase())!.statuses).toMatchObject([
      { pr: 31, state: 'succeeded', context: 'flackyness/playwright', description: 'all passed' },
    ]);
    const sent = fake.requests.find((r) => r.operationId === 'Pull Request Statuses_Create');
    expect(sent?.body).toMatchObject({ context: { genre: 'flackyness', name: 'playwright' } });
  });

  it('the fake refuses a comment over 150,000 characters with a 400', async () => {
    const error = await rejection(
      provider().createComment('31', `${marker}${'x'.repeat(150_000)}`),
    );
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('150000');
  });

  it('a wrong PAT is a 401 that is not retried and never named, not even in base64', async () => {
    const error = await rejection(provider({ token: 'azure-wrong-pat' }).getPullRequest('31'));
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.message).not.toContain('azure-wrong-pat');
    expect(error.message).not.toContain(Buffer.from(':azure-wrong-pat').toString('base64'));
  });

  it('a 429 with Retry-After and a 500 are retryable', async () => {
    fake.failNext('Pull Request Threads_List', {
      status: 429,
      headers: { 'retry-after': '30' },
      body: { message: 'TF400733: Request was blocked due to exceeding usage of resource' },
    });
    expect(await rejection(provider().findComment('31', marker))).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 30_000,
    });
    fake.failNext('Pull Request Threads_Create', { status: 500, body: { message: 'boom' } });
    expect(await rejection(provider().createComment('31', marker))).toMatchObject({
      status: 500,
      retryable: true,
    });
  });

  it('works under an Azure DevOps Server path', async () => {
    await fake.close();
    fake = await startFakeAzure({ token, prefix: '/tfs' });
    seedPull(fake.state, repository, { number: 31, headSha: sha });
    const az = provider();
    expect((await az.getPullRequest('31'))?.headSha).toBe(sha);
    expect(fake.requests[0]?.path.startsWith('/tfs/fabrikam/')).toBe(true);
  });
});
