import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, createProject, startTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('admin projects', () => {
  it('creates a project and returns its token once', async () => {
    const response = await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'Web Shop Ünïcode', slug: 'web-shop-admin-test' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      project: { id: string; slug: string };
      token: string;
    };
    expect(body.project).toMatchObject({ slug: 'web-shop-admin-test', name: 'Web Shop Ünïcode' });
    expect(body.project.id).toMatch(/^\d+$/);
    expect(body.token).toMatch(/^flk_[0-9A-Za-z]{43}$/);
    // Only a hash is stored.
    const rows = await t.database
      .sql`select token_hash from project_tokens where project_id = ${body.project.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toContain(body.token.slice(4));
  });

  it('derives a slug from the name and refuses a taken slug with 409', async () => {
    const first = await createProject(t, 'Slug Source Project');
    expect(first.project.slug).toBe('slug-source-project');
    const again = await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'Slug Source Project' }),
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict' } });
  });

  it('stores a NUL or lone surrogate in a project name as U+FFFD', async () => {
    const created = await createProject(t, 'Odd\0 name \ud800');
    expect(created.project.name).toBe('Odd\uFFFD name \uFFFD');
    expect(created.project.slug).toBe('odd-name');
  });

  it('validates the body with field paths', async () => {
    const response = await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: '', slug: 'Bad Slug!', extra: 1 }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; details: { path: string }[] };
    };
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'slug']));
  });

  it('answers broken JSON and a wrong content type with 4xx', async () => {
    const broken = await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: '{"name": ',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const text = await t.request('/api/v1/admin/projects', {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'text/plain' }),
      body: 'name=x',
    });
    expect(text.status).toBe(415);
  });

  it('refuses missing, wrong and project credentials', async () => {
    const { token } = await createProject(t);
    const none = await t.request('/api/v1/admin/projects');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await t.request('/api/v1/admin/projects', {
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const project = await t.request('/api/v1/admin/projects', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(project.status).toBe(403);
    const malformed = await t.request('/api/v1/admin/projects', {
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(401);
  });

  it('lists projects with counts', async () => {
    const { project } = await createProject(t, 'Listed Project');
    const response = await t.request('/api/v1/admin/projects', { headers: adminHeaders(t) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: { id: string; runCount: number; resultCount: number; lastUploadAt: null }[];
      nextCursor: null;
    };
    expect(body.nextCursor).toBeNull();
    expect(body.items.find((p) => p.id === project.id)).toMatchObject({
      runCount: 0,
      resultCount: 0,
      lastUploadAt: null,
    });
  });

  it('reports health', async () => {
    const response = await t.request('/api/v1/admin/health', { headers: adminHeaders(t) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      database: { reachable: boolean };
      partitions: { count: number };
      version: string;
    };
    expect(body.database.reachable).toBe(true);
    expect(body.partitions.count).toBeGreaterThanOrEqual(3);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('returns 404 for an unknown project', async () => {
    const response = await t.request('/api/v1/admin/projects/no-such-project', {
      method: 'DELETE',
      headers: adminHeaders(t),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('token rotation', () => {
  const viewProjects = (token: string) =>
    t.request('/api/v1/projects', { headers: { authorization: `Bearer ${token}` } });

  it('stops the old token at once without a grace period', async () => {
    const { project, token } = await createProject(t);
    expect((await viewProjects(token)).status).toBe(200);
    const response = await t.request(`/api/v1/admin/projects/${project.slug}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t),
    });
    expect(response.status).toBe(200);
    const { token: fresh } = (await response.json()) as { token: string };
    expect(fresh).not.toBe(token);
    expect((await viewProjects(token)).status).toBe(401);
    expect((await viewProjects(fresh)).status).toBe(200);
  });

  it('honours a grace period, then retires the old token', async () => {
    const { project, token } = await createProject(t);
    const response = await t.request(`/api/v1/admin/projects/${project.id}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ graceSeconds: 3600 }),
    });
    const { token: fresh } = (await response.json()) as { token: string };
    expect((await viewProjects(token)).status).toBe(200);
    expect((await viewProjects(fresh)).status).toBe(200);
    // Move the grace period into the past instead of waiting an hour.
    await t.database.sql`
      update project_tokens set expires_at = now() - interval '1 second'
      where project_id = ${project.id} and expires_at is not null`;
    expect((await viewProjects(token)).status).toBe(401);
    expect((await viewProjects(fresh)).status).toBe(200);
  });

  it('validates graceSeconds', async () => {
    const { project } = await createProject(t);
    const response = await t.request(`/api/v1/admin/projects/${project.id}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ graceSeconds: -5 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { details: [{ path: 'graceSeconds' }] } });
  });
});
