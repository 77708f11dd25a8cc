import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../../../test/scm-fakes/github.ts';
import { makeUser, seedComment, seedPull, seedRepo } from '../../../test/scm-fakes/core.ts';
import { ScmHttpError } from '../http.ts';
import type { ScmTarget } from '../types.ts';
import { GithubProvider } from './github.ts';

const token = 'ghp_secret_token_value';
const marker = '<!-- flackyness:v1 project=p1 key=default -->';
const sha = 'b'.repeat(40);
let fake: FakeGithub;

function provider(overrides: Partial<ScmTarget> = {}): GithubProvider {
  return new GithubProvider({
    baseUrl: fake.baseUrl,
    repository: 'acme/shop',
    token,
    timeoutMs: 5_000,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<ScmHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScmHttpError);
  return error as ScmHttpError;
}

describe('GithubProvider', () => {
  beforeEach(async () => {
    fake = await startFakeGithub({ token });
    seedRepo(fake.state, 'acme/shop');
    seedPull(fake.state, 'acme/shop', { number: 7, headSha: sha, sourceBranch: 'fix/login' });
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  it('reads a pull request, and null for one that does not exist', async () => {
    seedPull(fake.state, 'acme/shop', { number: 8, state: 'merged' });
    const gh = provider();
    expect(await gh.getPullRequest('7')).toMatchObject({
      number: '7',
      headSha: sha,
      state: 'open',
      sourceBranch: 'fix/login',
    });
    expect((await gh.getPullRequest('8'))?.state).toBe('merged');
    expect(await gh.getPullRequest('99')).toBeNull();
  });

  it('creates, finds and updates the sticky comment', async () => {
    const gh = provider();
    expect(await gh.findComment('7', marker)).toBeNull();
    const created = await gh.createComment('7', `${marker}\nfirst`);
    const found = await gh.findComment('7', marker);
    expect(found?.id).toBe(created.id);
    const updated = await gh.updateComment('7', found!, `${marker}\nsecond`);
    expect(updated.id).toBe(created.id);
    expect(fake.commentsOf('acme/shop', 7).map((c) => c.body)).toEqual([`${marker}\nsecond`]);
  });

  it('searches every page, keeps only its own marked comments, and takes the newest', async () => {
    const someone = makeUser('someone', 9);
    const ours = fake.user;
    seedComment(fake.state, 'acme/shop', 7, ours, `${marker}\nold`);
    for (let i = 0; i < 150; i++) seedComment(fake.state, 'acme/shop', 7, someone, `chatter ${i}`);
    const newest = seedComment(fake.state, 'acme/shop', 7, ours, `${marker}\nnew`);
    // Someone quoting our comment, after ours: never ours to overwrite.
    seedComment(fake.state, 'acme/shop', 7, someone, `> ${marker}\n> quoted`);
    seedComment(fake.state, 'acme/shop', 7, ours, 'our comment without the marker');

    const found = await provider().findComment('7', marker);
    expect(found?.id).toBe(String(newest.id));
    const pages = fake.requests.filter((r) => r.operationId === 'issues/list-comments');
    expect(pages).toHaveLength(2);
    expect(pages[0]?.query.get('per_page')).toBe('100');
  });

  it('uses the known comment id first, and falls back to a search when it was deleted', async () => {
    const mine = seedComment(fake.state, 'acme/shop', 7, fake.user, `${marker}\nbody`);
    const gh = provider();
    expect((await gh.findComment('7', marker, String(mine.id)))?.id).toBe(String(mine.id));
    expect(fake.requests.some((r) => r.operationId === 'issues/list-comments')).toBe(false);

    const repo = fake.state.repos.get('acme/shop')!;
    repo.comments = repo.comments.filter((c) => c.id !== mine.id);
    const replacement = seedComment(fake.state, 'acme/shop', 7, fake.user, `${marker}\nagain`);
    expect((await gh.findComment('7', marker, String(mine.id)))?.id).toBe(String(replacement.id));
  });

  it('does not take a known id of another pull request or another author', async () => {
    seedPull(fake.state, 'acme/shop', { number: 9 });
    const elsewhere = seedComment(fake.state, 'acme/shop', 9, fake.user, `${marker}\nother PR`);
    const foreign = seedComment(fake.state, 'acme/shop', 7, makeUser('x', 3), marker);
    const gh = provider();
    expect(await gh.findComment('7', marker, String(elsewhere.id))).toBeNull();
    expect(await gh.findComment('7', marker, String(foreign.id))).toBeNull();
  });

  it('posts a commit status, and refuses a description over 140 characters before sending', async () => {
    const gh = provider();
    const pr = (await gh.getPullRequest('7'))!;
    const input = {
      pr,
      sha,
      state: 'failure' as const,
      targetUrl: 'https://f.example/r/1',
      context: 'flackyness/playwright',
    };
    await gh.setCommitStatus({ ...input, description: '2 failed, 1 flaky' });
    expect(fake.state.repos.get('acme/shop')!.statuses).toMatchObject([
      { sha, state: 'failure', context: 'flackyness/playwright', description: '2 failed, 1 flaky' },
    ]);
    const before = fake.requests.length;
    await expect(gh.setCommitStatus({ ...input, description: 'x'.repeat(141) })).rejects.toThrow(
      /140/,
    );
    expect(fake.requests.length).toBe(before);
  });

  it('the fake enforces the 140-character description and 65,536-character comment limits', async () => {
    const gh = provider();
    const error = await rejection(gh.createComment('7', 'x'.repeat(65_537)));
    expect(error.status).toBe(422);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('65536');
  });

  it('a wrong token is a 401 that is not retried and never named', async () => {
    const error = await rejection(provider({ token: 'ghp_wrong_secret' }).getPullRequest('7'));
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Bad credentials');
    expect(error.message).not.toContain('ghp_wrong_secret');
  });

  it('a 429 with Retry-After is retryable after that wait; a 502 is retryable', async () => {
    fake.failNext('pulls/get', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { message: 'slow down' },
    });
    const limited = await rejection(provider().getPullRequest('7'));
    expect(limited).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000 });

    fake.failNext('pulls/get', { status: 502, body: 'Bad Gateway' });
    expect(await rejection(provider().getPullRequest('7'))).toMatchObject({
      status: 502,
      retryable: true,
    });
  });

  it('a secondary rate limit 403 is retryable; a permission 403 is not', async () => {
    fake.failNext('issues/create-comment', {
      status: 403,
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
    });
    expect(await rejection(provider().createComment('7', marker))).toMatchObject({
      status: 403,
      retryable: true,
    });
    fake.failNext('issues/create-comment', {
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
    });
    expect(await rejection(provider().createComment('7', marker))).toMatchObject({
      status: 403,
      retryable: false,
    });
  });

  it('the fake answers 400 and records a violation for a request off the contract or without required headers', async () => {
    const bare = await fetch(`${fake.baseUrl}/repos/acme/shop/pulls/7`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bare.status).toBe(400);
    const offContract = await fetch(`${fake.baseUrl}/repos/acme/shop/pulls/7/nope`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      },
    });
    expect(offContract.status).toBe(400);
    expect(fake.violations).toHaveLength(2);
    expect(fake.violations[0]).toContain('X-GitHub-Api-Version');
    expect(fake.violations[1]).toContain('no operation');
    fake.violations.length = 0;
  });

  it('works under an Enterprise Server base path (/api/v3)', async () => {
    await fake.close();
    fake = await startFakeGithub({ token, prefix: '/api/v3' });
    seedPull(fake.state, 'acme/shop', { number: 7, headSha: sha });
    expect(fake.baseUrl).toMatch(/\/api\/v3$/);
    const gh = provider();
    expect((await gh.getPullRequest('7'))?.headSha).toBe(sha);
    await gh.createComment('7', marker);
    expect(await gh.findComment('7', marker)).not.toBeNull();
    expect(fake.requests.every((r) => r.path.startsWith('/api/v3/'))).toBe(true);
  });
});
