import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../test/api-shapes.ts';
import { adminHeaders, createProject, startTestApp, type TestApp } from '../../test/harness.ts';
import {
  appOnSameDatabase,
  bearer,
  cookie,
  login,
  openSession,
  type Viewer,
} from '../../test/sessions.ts';

/** Dashboard logins: opening a session, reading who it is, its end by logout, expiry or token. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const HOUR_MS = 3_600_000;

async function whoAmI(app: Pick<TestApp, 'request'>, headers: Record<string, string>) {
  const response = await app.request('/api/v1/session', { headers });
  return {
    status: response.status,
    body: (await response.json()) as { viewer: Viewer; expiresAt: string | null } & ErrorBody,
  };
}

describe('POST /api/v1/sessions', () => {
  it('opens an admin session from the admin token, stored as a hash', async () => {
    const before = Date.now();
    const answer = await openSession(t, t.adminToken);
    expect(answer.session).toMatch(/^flks_[0-9A-Za-z]{43}$/);
    expect(answer.viewer).toEqual({ kind: 'admin' });
    const expiresAt = Date.parse(answer.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 12 * HOUR_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 12 * HOUR_MS);

    const rows = await t.database.sql<{ secret_hash: string; kind: string }[]>`
      select secret_hash, kind from sessions where expires_at = ${new Date(expiresAt)}`;
    expect(rows.map((r) => r.kind)).toContain('admin');
    for (const row of rows) expect(row.secret_hash).not.toContain(answer.session.slice(5));

    const me = await whoAmI(t, bearer(answer.session));
    expect(me).toEqual({
      status: 200,
      body: { viewer: { kind: 'admin' }, expiresAt: answer.expiresAt },
    });
  });

  it('opens a project session from a project token, naming the project', async () => {
    const { project, token } = await createProject(t, 'Session Shop');
    const answer = await openSession(t, token);
    const viewer = {
      kind: 'project',
      projectId: project.id,
      projectSlug: project.slug,
      projectName: 'Session Shop',
    };
    expect(answer.viewer).toEqual(viewer);
    expect(await whoAmI(t, bearer(answer.session))).toEqual({
      status: 200,
      body: { viewer, expiresAt: answer.expiresAt },
    });
  });

  it('refuses a wrong, unknown or session token with 401', async () => {
    const { token } = await createProject(t);
    const session = (await openSession(t, token)).session;
    for (const wrong of [
      `${t.adminToken}x`,
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      'flk_unknown',
      session,
      'x',
      '\u0000',
      'flk_\u0000\ud800',
      `${t.adminToken}\ud800`,
      'flk_'.padEnd(1000, 'A'),
    ]) {
      const response = await login(t, { token: wrong });
      expect(response.status, wrong).toBe(401);
      expect(((await response.json()) as ErrorBody).error.code).toBe('unauthorized');
    }
  });

  it('validates the body like every other endpoint', async () => {
    const cases: [unknown, number, string][] = [
      [{}, 400, 'validation_failed'],
      [{ token: '' }, 400, 'validation_failed'],
      [{ token: 42 }, 400, 'validation_failed'],
      [{ token: t.adminToken, remember: true }, 400, 'validation_failed'],
      ['[]', 400, 'validation_failed'],
      ['{"token": ', 400, 'invalid_json'],
    ];
    for (const [body, status, code] of cases) {
      const response = await login(t, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(((await response.json()) as ErrorBody).error.code).toBe(code);
    }
    const form = await t.request('/api/v1/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${t.adminToken}`,
    });
    expect(form.status).toBe(415);
    const missing = await login(t, { token: '' });
    expect(((await missing.json()) as ErrorBody).error.details).toEqual([
      { path: 'token', message: 'is required' },
    ]);
  });

  it('deletes expired sessions when someone logs in', async () => {
    // Opened 13 hours ago by the app's clock: expired an hour ago, in real time too.
    const past = appOnSameDatabase(t, { now: () => new Date(Date.now() - 13 * HOUR_MS) });
    const old = await openSession(past, t.adminToken);
    const count = async () => {
      const [row] = await t.database.sql<{ n: number }[]>`
        select count(*)::int as n from sessions where expires_at = ${new Date(old.expiresAt)}`;
      return row?.n;
    };
    expect(await count()).toBe(1);
    expect((await whoAmI(t, bearer(old.session))).status).toBe(401);
    await openSession(t, t.adminToken);
    expect(await count()).toBe(0);
  });
});

describe('GET /api/v1/session', () => {
  it('answers a token caller with expiresAt null', async () => {
    const { project, token } = await createProject(t);
    expect(await whoAmI(t, bearer(token))).toEqual({
      status: 200,
      body: {
        viewer: {
          kind: 'project',
          projectId: project.id,
          projectSlug: project.slug,
          projectName: project.name,
        },
        expiresAt: null,
      },
    });
    expect(await whoAmI(t, adminHeaders(t))).toEqual({
      status: 200,
      body: { viewer: { kind: 'admin' }, expiresAt: null },
    });
  });

  it('takes the session as Bearer, x-api-key or the flk_session cookie', async () => {
    const { session } = await openSession(t, t.adminToken);
    for (const headers of [bearer(session), { 'x-api-key': session }, cookie(session)]) {
      expect((await whoAmI(t, headers)).status, JSON.stringify(headers)).toBe(200);
    }
    // The header wins over the cookie.
    const both = await whoAmI(t, { ...bearer('flks_unknown'), ...cookie(session) });
    expect(both.status).toBe(401);
  });

  it('answers 401 without credentials, or with an unknown session', async () => {
    for (const headers of [
      {},
      cookie('flks_unknown'),
      cookie('flk_x'),
      bearer('flks_'),
      cookie('%E0%A4%A'),
      cookie('flks_%00'),
      cookie('"flks_"'),
      { cookie: 'flk_session=' },
    ]) {
      const me = await whoAmI(t, headers);
      expect(me.status, JSON.stringify(headers)).toBe(401);
      expect(me.body.error.code).toBe('unauthorized');
    }
    // An admin token in the cookie is not a session: tokens are sent as headers.
    expect((await whoAmI(t, cookie(t.adminToken))).status).toBe(401);
  });
});

describe('DELETE /api/v1/session', () => {
  it('ends the session presented as Bearer', async () => {
    const { session } = await openSession(t, t.adminToken);
    const out = await t.request('/api/v1/session', { method: 'DELETE', headers: bearer(session) });
    expect(out.status).toBe(204);
    expect(await out.text()).toBe('');
    expect((await whoAmI(t, bearer(session))).status).toBe(401);
    expect((await whoAmI(t, cookie(session))).status).toBe(401);
  });

  it('ends the session presented as cookie', async () => {
    const { token } = await createProject(t);
    const { session } = await openSession(t, token);
    const out = await t.request('/api/v1/session', { method: 'DELETE', headers: cookie(session) });
    expect(out.status).toBe(204);
    expect((await whoAmI(t, cookie(session))).status).toBe(401);
  });

  it('never fails: without a session it answers 204 and ends nothing', async () => {
    const { token } = await createProject(t);
    const { session } = await openSession(t, token);
    for (const headers of [
      {},
      bearer(token),
      adminHeaders(t),
      { authorization: 'Basic abc' },
      cookie('flks_unknown'),
    ]) {
      const out = await t.request('/api/v1/session', { method: 'DELETE', headers });
      expect(out.status, JSON.stringify(headers)).toBe(204);
    }
    expect((await whoAmI(t, bearer(token))).status).toBe(200);
    expect((await whoAmI(t, bearer(session))).status).toBe(200);
  });
});

describe('session lifetime', () => {
  it('ends at SESSION_TTL_HOURS by the app’s clock', async () => {
    let clock = new Date();
    const app = appOnSameDatabase(t, { now: () => clock });
    const answer = await openSession(app, t.adminToken);
    expect(Date.parse(answer.expiresAt)).toBe(clock.getTime() + 12 * HOUR_MS);
    clock = new Date(clock.getTime() + 12 * HOUR_MS - 1000);
    expect((await whoAmI(app, bearer(answer.session))).status).toBe(200);
    clock = new Date(clock.getTime() + 1000);
    expect((await whoAmI(app, bearer(answer.session))).status).toBe(401);
  });

  it('follows SESSION_TTL_HOURS', async () => {
    const clock = new Date();
    const app = appOnSameDatabase(t, { now: () => clock, config: { SESSION_TTL_HOURS: 1 } });
    const answer = await openSession(app, t.adminToken);
    expect(Date.parse(answer.expiresAt)).toBe(clock.getTime() + HOUR_MS);
  });

  it('ends a project session when its token is rotated out without grace', async () => {
    const { project, token } = await createProject(t);
    const { session } = await openSession(t, token);
    const rotated = await t.request(`/api/v1/admin/projects/${project.id}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t),
    });
    expect(rotated.status).toBe(200);
    expect((await whoAmI(t, bearer(session))).status).toBe(401);
    // A session of the new token works.
    const { token: fresh } = (await rotated.json()) as { token: string };
    expect((await whoAmI(t, bearer((await openSession(t, fresh)).session))).status).toBe(200);
  });

  it('keeps a project session through the rotation’s grace period, and no longer', async () => {
    const { project, token } = await createProject(t);
    const { session } = await openSession(t, token);
    const rotated = await t.request(`/api/v1/admin/projects/${project.id}/rotate-token`, {
      method: 'POST',
      headers: adminHeaders(t, { 'content-type': 'application/json' }),
      body: JSON.stringify({ graceSeconds: 3600 }),
    });
    expect(rotated.status).toBe(200);
    expect((await whoAmI(t, bearer(session))).status).toBe(200);
    // A login with the retired token ends when the token does.
    const late = await openSession(t, token);
    expect(Date.parse(late.expiresAt)).toBeLessThanOrEqual(Date.now() + HOUR_MS);
    expect(Date.parse(late.expiresAt)).toBeGreaterThan(Date.now() + HOUR_MS - 60_000);
    // The grace period over (as the database's clock has it), both end.
    await t.database.sql`
      update project_tokens set expires_at = now() - interval '1 second'
      where project_id = ${project.id} and expires_at is not null`;
    expect((await whoAmI(t, bearer(session))).status).toBe(401);
    expect((await whoAmI(t, bearer(late.session))).status).toBe(401);
  });

  it('ends admin sessions when ADMIN_TOKEN changes', async () => {
    const { session } = await openSession(t, t.adminToken);
    const restarted = appOnSameDatabase(t, { adminToken: `changed_${t.adminToken}` });
    expect((await whoAmI(restarted, bearer(session))).status).toBe(401);
    // The old token's sessions work again under the old token: nothing was deleted.
    expect((await whoAmI(t, bearer(session))).status).toBe(200);
  });

  it('ends with its project', async () => {
    const { project, token } = await createProject(t);
    const { session } = await openSession(t, token);
    const deleted = await t.request(`/api/v1/admin/projects/${project.id}`, {
      method: 'DELETE',
      headers: adminHeaders(t),
    });
    expect(deleted.status).toBe(204);
    expect((await whoAmI(t, bearer(session))).status).toBe(401);
    const [row] = await t.database.sql<{ n: number }[]>`
      select count(*)::int as n from sessions where project_id = ${project.id}`;
    expect(row?.n).toBe(0);
  });
});
