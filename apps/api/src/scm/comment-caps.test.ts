import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPull, type FakeServer } from '../../test/scm-fakes/core.ts';
import { startFakeAzure } from '../../test/scm-fakes/azure.ts';
import { startFakeGithub } from '../../test/scm-fakes/github.ts';
import { startFakeGitlab } from '../../test/scm-fakes/gitlab.ts';
import { hugeSummary, MARKER } from '../../test/scm-summaries.ts';
import { renderPrComment } from './comment.ts';
import { ScmHttpError } from './http.ts';
import { createProvider } from './providers/index.ts';
import type { ScmProviderName } from './types.ts';

/**
 * A summary far over every platform's comment cap is written whole by each fake platform, which
 * refuses a body over its cap (65,536 on GitHub, 1,000,000 on GitLab, 150,000 on Azure DevOps) as
 * the real one does: the degraded comment fits, and one character more would not.
 */

const platforms: {
  name: ScmProviderName;
  start: (token: string) => Promise<FakeServer>;
  repository: string;
  cap: number;
}[] = [
  {
    name: 'github',
    start: (token) => startFakeGithub({ token }),
    repository: 'acme/caps',
    cap: 65_536,
  },
  {
    name: 'gitlab',
    start: (token) => startFakeGitlab({ token }),
    repository: 'acme/caps',
    cap: 1_000_000,
  },
  {
    name: 'azure',
    start: (token) => startFakeAzure({ token }),
    repository: 'acme/caps/caps',
    cap: 150_000,
  },
];

describe.each(platforms)('$name comment cap', ({ name, start, repository, cap }) => {
  const token = `${name}-caps-token-0123456789`;
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await start(token);
    seedPull(fake.state, repository, { number: 1 });
  });
  afterAll(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });
  const provider = () =>
    createProvider(name, { baseUrl: fake.baseUrl, repository, token, timeoutMs: 10_000 });

  it(`degrades a summary of 20,000 failures to fit ${cap.toLocaleString('en')} characters`, async () => {
    const body = renderPrComment(hugeSummary(20_000, 120), {
      provider: name,
      marker: MARKER,
      maxChars: provider().maxCommentChars,
    });
    expect(provider().maxCommentChars).toBe(cap);
    expect([...body].length).toBeLessThanOrEqual(cap);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('Full report');
    const created = await provider().createComment('1', body);
    const found = await provider().findComment('1', MARKER, created.id);
    expect(found?.body).toBe(body);
  });

  it('is refused one character over the cap, as the platform refuses it', async () => {
    const body = `${MARKER}\n${'x'.repeat(cap - MARKER.length)}`;
    expect(body.length).toBe(cap + 1);
    await expect(provider().createComment('1', body)).rejects.toBeInstanceOf(ScmHttpError);
  });
});
