import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, createProject, startTestApp, type TestApp } from '../../test/harness.ts';
import { openSession } from '../../test/sessions.ts';
import { findIntegration } from '../db/queries/integrations.ts';
import { integrationTokenContext, openToken, tokenFingerprint } from '../scm/token-keys.ts';

// Every log line of the app, at trace level, for the no-leak test.
const logLines: string[] = [];
const memory = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(chunk.toString('utf8'));
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    logger: pino({ level: 'trace' }, memory),
    env: { LOG_REQUESTS: 'true' },
  });
});
afterAll(() => t.close());

const path = (project: string, provider = 'github') =>
  `/api/v1/admin/projects/${project}/integrations/${provider}`;

const put = (project: string, body: unknown, provider = 'github') =>
  t.request(path(project, provider), {
    method: 'PUT',
    headers: adminHeaders(t, { 'content-type': 'application/json' }),
    body: JSON.stringify(body),
  });

interface IntegrationDto {
  provider: string;
  baseUrl: string;
  repository: string;
  comments: boolean;
  statuses: boolean;
  tokenFingerprint: string;
  tokenKeyId: string;
  createdAt: string;
  updatedAt: string;
}

async function errorPaths(response: Response): Promise<string[]> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as {
    error: { code: string; details: { path: string }[] };
  };
  expect(body.error.code).toBe('validation_failed');
  return body.error.details.map((d) => d.path);
}

describe('integrations', () => {
  it('creates, updates, reads, lists and deletes an integration without ever answering the token', async () => {
    const { project } = await createProject(t);
    const token = 'ghp_firstSecretTokenValue0123456789ABCD';
    const secondToken = 'ghp_secondSecretTokenValue9876543210ZYX';
    const linesBefore = logLines.length;
    const bodies: string[] = [];
    const send = async (response: Promise<Response>) => {
      const r = await response;
      bodies.push(await r.clone().text());
      return r;
    };

    const created = await send(put(project.slug, { token, repository: 'acme/web' }));
    expect(created.status).toBe(201);
    const first = ((await created.json()) as { integration: IntegrationDto }).integration;
    expect(first).toMatchObject({
      provider: 'github',
      baseUrl: 'https://api.github.com',
      repository: 'acme/web',
      comments: true,
      statuses: true,
      tokenFingerprint: tokenFingerprint(token),
      tokenKeyId: t.encryptionKeys?.currentKeyId,
    });
    expect(first.tokenFingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);

    // Stored sealed, for this project and provider only.
    const stored = await findIntegration(t.database.sql, project.id, 'github');
    expect(stored?.tokenCiphertext).not.toContain(token);
    expect(stored?.tokenCiphertext).not.toContain(Buffer.from(token).toString('base64'));
    const sealed = { ciphertext: stored?.tokenCiphertext ?? '', keyId: stored?.tokenKeyId ?? '' };
    const keys = t.encryptionKeys;
    if (!keys) throw new Error('the test app has a key');
    expect(openToken(keys, sealed, integrationTokenContext(project.id, 'github'))).toBe(token);
    expect(() => openToken(keys, sealed, integrationTokenContext(project.id, 'gitlab'))).toThrow();

    // Without a token, an update keeps the stored one; PUT replaces the other settings.
    const updated = await send(
      put(project.id, {
        repository: 'acme/shop',
        baseUrl: 'https://github.example.com/api/v3/',
        comments: false,
      }),
    );
    expect(updated.status).toBe(200);
    const second = ((await updated.json()) as { integration: IntegrationDto }).integration;
    expect(second).toMatchObject({
      baseUrl: 'https://github.example.com/api/v3',
      repository: 'acme/shop',
      comments: false,
      statuses: true,
      tokenFingerprint: first.tokenFingerprint,
      createdAt: first.createdAt,
    });
    const kept = await findIntegration(t.database.sql, project.id, 'github');
    expect(kept?.tokenCiphertext).toBe(stored?.tokenCiphertext);

    const replaced = await send(put(project.slug, { token: secondToken, repository: 'acme/shop' }));
    expect(replaced.status).toBe(200);
    const third = ((await replaced.json()) as { integration: IntegrationDto }).integration;
    expect(third.tokenFingerprint).toBe(tokenFingerprint(secondToken));
    expect(third.tokenFingerprint).not.toBe(first.tokenFingerprint);
    expect(third.comments).toBe(true);

    const gitlab = await send(
      put(project.slug, { token, repository: 'group/sub/project', statuses: false }, 'gitlab'),
    );
    expect(gitlab.status).toBe(201);
    expect(((await gitlab.json()) as { integration: IntegrationDto }).integration).toMatchObject({
      baseUrl: 'https://gitlab.com/api/v4',
      statuses: false,
    });

    const got = await send(t.request(path(project.slug), { headers: adminHeaders(t) }));
    expect(got.status).toBe(200);
    expect(((await got.json()) as { integration: IntegrationDto }).integration).toEqual(third);

    const list = await send(
      t.request(`/api/v1/admin/projects/${project.slug}/integrations`, {
        headers: adminHeaders(t),
      }),
    );
    expect(list.status).toBe(200);
    const listed = (await list.json()) as { items: IntegrationDto[]; nextCursor: null };
    expect(listed.nextCursor).toBeNull();
    expect(listed.items.map((i) => i.provider)).toEqual(['github', 'gitlab']);

    const deleted = await send(
      t.request(path(project.slug), { method: 'DELETE', headers: adminHeaders(t) }),
    );
    expect(deleted.status).toBe(204);
    const gone = await send(t.request(path(project.slug), { headers: adminHeaders(t) }));
    expect(gone.status).toBe(404);
    const again = await send(
      t.request(path(project.slug), { method: 'DELETE', headers: adminHeaders(t) }),
    );
    expect(again.status).toBe(404);

    // Nothing said the tokens: not the answers, not one log line.
    const lines = logLines.slice(linesBefore);
    expect(lines.some((line) => line.includes('integration saved'))).toBe(true);
    for (const secret of [token, secondToken]) {
      const forms = [secret, Buffer.from(secret).toString('base64'), secret.slice(4, 24)];
      for (const text of [...bodies, ...lines]) {
        for (const form of forms) expect(text).not.toContain(form);
      }
    }
  });

  it('answers the defaults of each provider', async () => {
    const { project } = await createProject(t);
    const azure = await put(
      project.slug,
      { token: 'azure-pat', repository: 'org/My-Project/repo' },
      'azure',
    );
    expect(azure.status).toBe(201);
    expect(await azure.json()).toMatchObject({
      integration: { baseUrl: 'https://dev.azure.com', repository: 'org/My-Project/repo' },
    });
  });

  it('refuses a token-less creation, naming the token field', async () => {
    const { project } = await createProject(t);
    expect(await errorPaths(await put(project.slug, { repository: 'acme/web' }))).toEqual([
      'token',
    ]);
  });

  it('validates the provider, the repository shape, the base URL and the token', async () => {
    const { project } = await createProject(t);
    expect(await errorPaths(await put(project.slug, { repository: 'a/b' }, 'bitbucket'))).toEqual([
      'provider',
    ]);
    const getUnknown = await t.request(path(project.slug, 'bitbucket'), {
      headers: adminHeaders(t),
    });
    expect(await errorPaths(getUnknown)).toEqual(['provider']);

    const token = 'tok';
    const cases: [string, unknown, string[]][] = [
      ['github', { token, repository: 'acme' }, ['repository']],
      ['github', { token, repository: 'acme/web/extra' }, ['repository']],
      ['github', { token, repository: 'acme/my web' }, ['repository']],
      ['github', { token, repository: 'acme/../web' }, ['repository']],
      ['github', { token, repository: 'acme/we\u0000b' }, ['repository']],
      ['gitlab', { token, repository: 'project' }, ['repository']],
      ['gitlab', { token, repository: 'group//project' }, ['repository']],
      ['azure', { token, repository: 'org/project' }, ['repository']],
      ['azure', { token, repository: 'org/project/repo/more' }, ['repository']],
      ['github', { token, repository: 'a/b', baseUrl: 'https://user:pw@ghe.example' }, ['baseUrl']],
      ['github', { token, repository: 'a/b', baseUrl: 'ftp://ghe.example' }, ['baseUrl']],
      ['github', { token, repository: 'a/b', baseUrl: 'https://ghe.example/api?x=1' }, ['baseUrl']],
      ['github', { token, repository: 'a/b', baseUrl: 'https://ghe.example/#top' }, ['baseUrl']],
      ['github', { token, repository: 'a/b', baseUrl: 'not a url' }, ['baseUrl']],
      ['github', { token: 'has space', repository: 'a/b' }, ['token']],
      ['github', { token: 'line\nbreak', repository: 'a/b' }, ['token']],
      ['github', { token: '', repository: 'a/b' }, ['token']],
      ['github', { token: 'x'.repeat(1001), repository: 'a/b' }, ['token']],
      ['github', { token, repository: 'a/b', comments: 'yes' }, ['comments']],
      ['github', { token, repository: 'a/b', secret: 1 }, ['secret']],
      ['github', {}, ['repository']],
    ];
    for (const [provider, body, paths] of cases) {
      const response = await put(project.slug, body, provider);
      expect(await errorPaths(response), JSON.stringify(body)).toEqual(paths);
    }
    // A refused token is not echoed either.
    const refused = await put(project.slug, { token: 'secret value', repository: 'a/b' });
    expect(await refused.text()).not.toContain('secret value');
  });

  it('answers 404 for an unknown project', async () => {
    const response = await put('no-such-project', { token: 'x', repository: 'a/b' });
    expect(response.status).toBe(404);
    const list = await t.request('/api/v1/admin/projects/no-such-project/integrations', {
      headers: adminHeaders(t),
    });
    expect(list.status).toBe(404);
  });

  it('needs the admin token: 401 without, 403 with a project token or a session', async () => {
    const { project, token } = await createProject(t);
    const urls = [path(project.slug), `/api/v1/admin/projects/${project.slug}/integrations`];
    for (const url of urls) {
      expect((await t.request(url)).status).toBe(401);
      const withProjectToken = await t.request(url, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(withProjectToken.status).toBe(403);
    }
    const put401 = await t.request(path(project.slug), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ token: 'x', repository: 'a/b' }),
    });
    expect(put401.status).toBe(403);
    const { session } = await openSession(t, t.adminToken);
    const viaSession = await t.request(path(project.slug), {
      headers: { cookie: `flk_session=${session}` },
    });
    expect(viaSession.status).toBe(403);
  });
});

describe('integrations without ENCRYPTION_KEY', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ encryptionKey: null });
  });
  afterAll(() => bare.close());

  it('refuses to store a token with 503 encryption_not_configured; reads still work', async () => {
    const { project } = await createProject(bare);
    const response = await bare.request(path(project.slug), {
      method: 'PUT',
      headers: adminHeaders(bare, { 'content-type': 'application/json' }),
      body: JSON.stringify({ token: 'x', repository: 'a/b' }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('encryption_not_configured');
    expect(body.error.message).toMatch(/ENCRYPTION_KEY.*openssl rand -base64 32/);
    const list = await bare.request(`/api/v1/admin/projects/${project.slug}/integrations`, {
      headers: adminHeaders(bare),
    });
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
  });
});
