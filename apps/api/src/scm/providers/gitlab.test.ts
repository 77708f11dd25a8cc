import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeUser, seedComment, seedPull } from '../../../test/scm-fakes/core.ts';
import { startFakeGitlab, type FakeGitlab } from '../../../test/scm-fakes/gitlab.ts';
import { ScmHttpError } from '../http.ts';
import type { CommitStatusInput, ScmTarget } from '../types.ts';
import { GitlabProvider } from './gitlab.ts';

const token = 'glpat-secret-token-value';
const project = 'acme/platform/shop';
const marker = '<!-- flackyness:v1 project=p1 key=default -->';
const sha = 'c'.repeat(40);
let fake: FakeGitlab;

function provider(overrides: Partial<ScmTarget> = {}): GitlabProvider {
  return new GitlabProvider({
    baseUrl: fake.baseUrl,
    repository: project,
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

describe('GitlabProvider', () => {
  beforeEach(async () => {
    fake = await startFakeGitlab({ token });
    seedPull(fake.state, project, { number: 12, headSha: sha, sourceBranch: 'feature/x' });
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  it('reads a merge request by IID, with the project path encoded as one segment', async () => {
    seedPull(fake.state, project, { number: 13, state: 'locked' });
    const gl = provider();
    expect(await gl.getPullRequest('12')).toMatchObject({
      number: '12',
      headSha: sha,
      state: 'open',
      sourceBranch: 'feature/x',
    });
    expect((await gl.getPullRequest('13'))?.state).toBe('closed');
    expect(await gl.getPullRequest('99')).toBeNull();
    expect(fake.requests[0]?.path).toBe(
      '/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/12',
    );
  });

  it('creates, finds and updates the sticky note', async () => {
    const gl = provider();
    await gl.getPullRequest('12');
    expect(await gl.findComment('12', marker)).toBeNull();
    const created = await gl.createComment('12', `${marker}\nfirst`);
    expect(created.url).toMatch(/merge_requests\/12#note_\d+$/);
    const found = await gl.findComment('12', marker);
    expect(found?.id).toBe(created.id);
    await gl.updateComment('12', found!, `${marker}\nsecond`);
    expect(fake.notesOf(project, 12).map((n) => n.body)).toEqual([`${marker}\nsecond`]);
  });

  it('searches every page, skips system notes and other users, and takes the newest', async () => {
    const someone = makeUser('someone', 9);
    seedComment(fake.state, project, 12, fake.user, `${marker}\nold`);
    for (let i = 0; i < 120; i++) seedComment(fake.state, project, 12, someone, `chatter ${i}`);
    const newest = seedComment(fake.state, project, 12, fake.user, `${marker}\nnew`);
    seedComment(fake.state, project, 12, someone, `> ${marker}`);
    seedComment(fake.state, project, 12, fake.user, `added a commit ${marker}`, { system: true });

    expect((await provider().findComment('12', marker))?.id).toBe(String(newest.id));
    const pages = fake.requests.filter(
      (r) => r.operationId === 'getApiV4ProjectsIdMergeRequestsNoteableIdNotes',
    );
    expect(pages).toHaveLength(2);
    expect(pages[0]?.query.get('sort')).toBe('asc');
  });

  it('uses the known note id first, and falls back to a search when it was deleted', async () => {
    const mine = seedComment(fake.state, project, 12, fake.user, `${marker}\nbody`);
    const gl = provider();
    expect((await gl.findComment('12', marker, String(mine.id)))?.id).toBe(String(mine.id));
    expect(
      fake.requests.some((r) => r.operationId === 'getApiV4ProjectsIdMergeRequestsNoteableIdNotes'),
    ).toBe(false);

    const repo = fake.state.repos.get(project)!;
    repo.comments = [];
    const again = seedComment(fake.state, project, 12, fake.user, `${marker}\nagain`);
    expect((await gl.findComment('12', marker, String(mine.id)))?.id).toBe(String(again.id));
  });

  it('posts statuses on the source branch, and a repeated state is a quiet no-op', async () => {
    const gl = provider();
    const pr = (await gl.getPullRequest('12'))!;
    const input: CommitStatusInput = {
      pr,
      sha,
      state: 'pending',
      description: 'running',
      targetUrl: 'https://f.example/r/1',
      context: 'flackyness/playwright',
    };
    await gl.setCommitStatus(input);
    await gl.setCommitStatus(input);
    await gl.setCommitStatus({ ...input, state: 'error', description: 'crashed' });
    expect(fake.state.repos.get(project)!.statuses).toMatchObject([
      { sha, state: 'pending', ref: 'feature/x', context: 'flackyness/playwright' },
      { sha, state: 'failed', ref: 'feature/x' },
    ]);
    const transitions = fake.requests.filter(
      (r) => r.operationId === 'postApiV4ProjectsIdStatusesSha',
    );
    expect(transitions).toHaveLength(3);
    await expect(gl.setCommitStatus({ ...input, description: 'x'.repeat(256) })).rejects.toThrow(
      /255/,
    );
  });

  it('the fake refuses a note over 1,000,000 characters with a 400', async () => {
    const error = await rejection(provider().createComment('12', 'x'.repeat(1_000_001)));
    expect(error).toMatchObject({ status: 400, retryable: false });
  });

  it('a wrong token is a 401 that is not retried and never named', async () => {
    const error = await rejection(provider({ token: 'glpat-wrong-secret' }).getPullRequest('12'));
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.message).not.toContain('glpat-wrong-secret');
  });

  it('a 429 with Retry-After and a 503 are retryable', async () => {
    fake.failNext('postApiV4ProjectsIdMergeRequestsNoteableIdNotes', {
      status: 429,
      headers: { 'retry-after': '7', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' },
      body: 'Retry later',
    });
    expect(await rejection(provider().createComment('12', marker))).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
    });
    fake.failNext('getApiV4User', { status: 503, body: 'unavailable' });
    expect(await rejection(provider().findComment('12', marker))).toMatchObject({
      status: 503,
      retryable: true,
    });
  });

  it('works on a self-managed instance under a relative URL root', async () => {
    await fake.close();
    fake = await startFakeGitlab({ token, prefix: '/gitlab' });
    seedPull(fake.state, project, { number: 12, headSha: sha });
    expect(fake.baseUrl).toMatch(/\/gitlab\/api\/v4$/);
    const gl = provider();
    expect((await gl.getPullRequest('12'))?.headSha).toBe(sha);
    const created = await gl.createComment('12', marker);
    expect((await gl.findComment('12', marker))?.id).toBe(created.id);
    expect(
      fake.requests.every(
        (r) =>
          r.path.startsWith('/gitlab/api/v4/projects/acme%2Fplatform%2Fshop') ||
          r.path === '/gitlab/api/v4/user',
      ),
    ).toBe(true);
  });
});
