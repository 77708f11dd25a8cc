import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBytes, type ErrorBody } from '../../test/api-shapes.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { bearer, cookie, openSession } from '../../test/sessions.ts';

/** What a dashboard session may do: read like its token, never write or administer. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function seedProject() {
  const { project, token } = await createProject(t);
  const upload = await uploadReport(t, token, reportBytes('basic'), {
    query: { branch: 'main', pipeline: 'p1' },
  });
  expect(upload.status).toBe(201);
  const { run } = (await upload.json()) as { run: { id: string } };
  return { project, token, runId: run.id };
}

const codeOf = async (response: Response) => ((await response.json()) as ErrorBody).error.code;

describe('a project session', () => {
  it('reads its own project only, as Bearer and as cookie', async () => {
    const own = await seedProject();
    const other = await seedProject();
    const { session } = await openSession(t, own.token);
    for (const headers of [bearer(session), cookie(session)]) {
      const projects = await t.request('/api/v1/projects', { headers });
      expect(projects.status).toBe(200);
      const list = (await projects.json()) as { items: { id: string }[] };
      expect(list.items.map((p) => p.id)).toEqual([own.project.id]);

      const stats = await t.request(`/api/v1/projects/${own.project.slug}/stats`, { headers });
      expect(stats.status).toBe(200);
      const foreign = await t.request(`/api/v1/projects/${other.project.slug}/stats`, { headers });
      expect(foreign.status).toBe(404);
      expect(await codeOf(foreign)).toBe('not_found');

      expect((await t.request(`/api/v1/runs/${own.runId}`, { headers })).status).toBe(200);
      expect((await t.request(`/api/v1/runs/${other.runId}`, { headers })).status).toBe(404);
    }
  });

  it('cannot upload a report', async () => {
    const own = await seedProject();
    const { session } = await openSession(t, own.token);
    for (const headers of [bearer(session), cookie(session)]) {
      const response = await uploadReport(t, '', reportBytes('all-pass'), {
        headers: { authorization: '', ...headers },
      });
      expect(response.status).toBe(403);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toEqual({
        code: 'forbidden',
        message: 'A dashboard session can only read; use a token',
      });
    }
  });
});

describe('an admin session', () => {
  it('reads every project', async () => {
    const one = await seedProject();
    const two = await seedProject();
    const { session } = await openSession(t, t.adminToken);
    const list = (await (
      await t.request('/api/v1/projects', { headers: cookie(session) })
    ).json()) as { items: { id: string }[] };
    expect(list.items.map((p) => p.id)).toEqual(
      expect.arrayContaining([one.project.id, two.project.id]),
    );
    for (const p of [one, two]) {
      const stats = await t.request(`/api/v1/projects/${p.project.id}/stats`, {
        headers: bearer(session),
      });
      expect(stats.status).toBe(200);
    }
  });

  it('cannot administer or upload', async () => {
    const { session } = await openSession(t, t.adminToken);
    for (const headers of [bearer(session), cookie(session)]) {
      const admin = await t.request('/api/v1/admin/projects', { headers });
      expect(admin.status).toBe(403);
      expect(await codeOf(admin)).toBe('forbidden');
      const create = await t.request('/api/v1/admin/projects', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Made by a session' }),
      });
      expect(create.status).toBe(403);
      const upload = await uploadReport(t, '', reportBytes('all-pass'), {
        headers: { authorization: '', ...headers },
      });
      expect(upload.status).toBe(403);
    }
    // The token itself still administers.
    expect((await t.request('/api/v1/admin/projects', { headers: adminHeaders(t) })).status).toBe(
      200,
    );
  });
});
