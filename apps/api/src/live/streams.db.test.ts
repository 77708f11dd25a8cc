import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import type { StreamLog, StreamRunUpdated, StreamTestEnd } from '@flackyness/shared/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, startTestApp, uploadReport, type TestApp } from '../../test/harness.ts';
import { loadReport } from '../../test/fixtures/reports.ts';
import { liveScriptFromReport, postJson, type LiveSessionScript } from '../../test/live-session.ts';
import { SseReader } from '../../test/sse-client.ts';
import { openSession } from '../../test/sessions.ts';

/** SSE of live runs (DESIGN.md §6): catch-up, live events, resume without loss or repeats. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ heartbeatMs: 200 });
});
afterAll(async () => {
  await t?.close();
});

const script = (): LiveSessionScript =>
  liveScriptFromReport(structuredClone(loadReport('basic')) as PlaywrightReport);

async function setup(token: string, body: LiveSessionScript) {
  const response = await postJson(t, '/api/v1/ingest/setup', token, body.setup);
  expect(response.status).toBe(201);
  return (await response.json()) as { sessionId: string; runId: string };
}

async function send(token: string, sessionId: string, seq: number, events: unknown[]) {
  const response = await postJson(t, '/api/v1/ingest/event', token, { sessionId, seq, events });
  expect(response.status).toBe(202);
}

function open(path: string, token: string, lastEventId?: string): Promise<SseReader> {
  return t
    .request(path, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
    })
    .then((response) => {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      return new SseReader(response);
    });
}

const streamed = (reader: SseReader) =>
  reader.messages.filter((m) => m.event !== 'run-updated').map((m) => `${m.id}:${m.event}`);

describe('a run stream', () => {
  it('replays the stored events to a late viewer, then sends new ones as they come', async () => {
    const { token } = await createProject(t);
    const run = script();
    const { sessionId, runId } = await setup(token, run);
    await send(token, sessionId, 0, run.events.slice(0, 30));
    const reader = await open(`/api/v1/runs/${runId}/stream`, token);
    await reader.until((r) => streamed(r).length === 30);
    await reader.until((r) => r.of('run-updated').length > 0);

    await send(token, sessionId, 1, run.events.slice(30, 45));
    await reader.until((r) => streamed(r).length === 45);
    const ids = reader.messages.filter((m) => m.event !== 'run-updated').map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    const ends = reader.of<StreamTestEnd>('test-end');
    expect(ends.length).toBe(run.events.slice(0, 45).filter((e) => e.type === 'test-end').length);
    expect(ends[0]).toMatchObject({ outcome: expect.any(String), willRetry: expect.any(Boolean) });
    const logs = reader.of<StreamLog>('log');
    expect(logs[0]?.chunk).toContain('\u001b[32m');
    const updates = reader.of<StreamRunUpdated>('run-updated');
    expect(updates.at(-1)?.run).toMatchObject({ id: runId, status: 'running', source: 'live' });
    await reader.close();
  });

  it('resumes after a dropped connection with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const { token } = await createProject(t);
    const run = script();
    const { sessionId, runId } = await setup(token, run);
    await send(token, sessionId, 0, run.events.slice(0, 20));
    const first = await open(`/api/v1/runs/${runId}/stream`, token);
    await first.until((r) => streamed(r).length === 20);
    const resumeFrom = first.lastEventId as string;
    await first.close();
    // Events while the client is away.
    await send(token, sessionId, 1, run.events.slice(20, 50));
    await send(token, sessionId, 2, run.events.slice(50, 60));
    const second = await open(`/api/v1/runs/${runId}/stream`, token, resumeFrom);
    await second.until((r) => streamed(r).length === 40);
    await send(token, sessionId, 3, run.events.slice(60, 70));
    await second.until((r) => streamed(r).length === 50);

    const all = await open(`/api/v1/runs/${runId}/stream`, token);
    await all.until((r) => streamed(r).length === 70);
    expect([...streamed(first), ...streamed(second)]).toEqual(streamed(all));
    await Promise.all([second.close(), all.close()]);
  });

  it('tells when the run ends, and frees the client on disconnect', async () => {
    const { token } = await createProject(t);
    const run = script();
    const { sessionId, runId } = await setup(token, run);
    const before = t.live.hub.clientCount;
    const reader = await open(`/api/v1/runs/${runId}/stream`, token);
    await reader.until((r) => r.of('run-updated').length === 1);
    await send(token, sessionId, 0, run.events);
    const teardown = await postJson(t, '/api/v1/ingest/teardown', token, {
      sessionId,
      status: 'failed',
      summary: { ...run.summary, lastSeq: 0, notRun: run.notRun },
    });
    expect(teardown.status).toBe(200);
    await reader.until((r) =>
      r.of<StreamRunUpdated>('run-updated').some((u) => u.run.status !== 'running'),
    );
    const final = reader.of<StreamRunUpdated>('run-updated').at(-1)?.run;
    expect(final?.status).toBe('failed');
    expect(final?.totals.total).toBe(run.setup.totalTests);
    // Heartbeats keep idle streams open.
    await reader.until((r) => r.comments.includes('hb'));
    expect(t.live.hub.clientCount).toBe(before + 1);
    await reader.close();
    const deadline = Date.now() + 5000;
    while (t.live.hub.clientCount !== before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(t.live.hub.clientCount).toBe(before);
  });

  it('hands one broadcast to many clients, each event once', async () => {
    const { token } = await createProject(t);
    const run = script();
    const { sessionId, runId } = await setup(token, run);
    const readers = await Promise.all(
      Array.from({ length: 50 }, () => open(`/api/v1/runs/${runId}/stream`, token)),
    );
    await Promise.all(readers.map((r) => r.until((x) => x.of('run-updated').length > 0)));
    for (let seq = 0; seq * 10 < run.events.length; seq++) {
      await send(token, sessionId, seq, run.events.slice(seq * 10, seq * 10 + 10));
    }
    for (const reader of readers) {
      await reader.until((r) => streamed(r).length === run.events.length);
      expect(new Set(streamed(reader)).size).toBe(run.events.length);
    }
    await Promise.all(readers.map((r) => r.close()));
  });
});

describe('a project stream', () => {
  it('sends run-updated for live progress and uploads, and resumes with Last-Event-ID', async () => {
    const { token, project } = await createProject(t);
    const reader = await open(`/api/v1/projects/${project.slug}/stream`, token);
    const run = script();
    const { sessionId, runId } = await setup(token, run);
    await reader.until((r) =>
      r.of<StreamRunUpdated>('run-updated').some((u) => u.run.id === runId),
    );
    await send(token, sessionId, 0, run.events.slice(0, 40));
    await reader.until((r) =>
      r.of<StreamRunUpdated>('run-updated').some((u) => (u.run.live?.finished ?? 0) > 0),
    );
    const resumeFrom = reader.lastEventId as string;
    await reader.close();

    const upload = await uploadReport(t, token, loadReport('all-pass'));
    const uploaded = ((await upload.json()) as { run: { id: string } }).run.id;
    const resumed = await open(`/api/v1/projects/${project.slug}/stream`, token, resumeFrom);
    await resumed.until((r) =>
      r.of<StreamRunUpdated>('run-updated').some((u) => u.run.id === uploaded),
    );
    const ids = [...reader.messages, ...resumed.messages].map((m) => Number(m.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await resumed.close();
  });
});

describe('stream access', () => {
  it('needs a viewer of the project: 401 without, 404 for another project, a session may read', async () => {
    const owner = await createProject(t);
    const other = await createProject(t);
    const { runId } = await setup(owner.token, script());
    expect((await t.request(`/api/v1/runs/${runId}/stream`)).status).toBe(401);
    const foreign = await t.request(`/api/v1/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(foreign.status).toBe(404);
    const foreignProject = await t.request(`/api/v1/projects/${owner.project.id}/stream`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(foreignProject.status).toBe(404);
    const badId = await t.request(`/api/v1/runs/${runId}/stream`, {
      headers: { authorization: `Bearer ${owner.token}`, 'last-event-id': 'x1' },
    });
    expect(badId.status).toBe(400);
    const session = await openSession(t, owner.token);
    const viewed = await t.request(`/api/v1/runs/${runId}/stream`, {
      headers: { cookie: `flk_session=${session.session}` },
    });
    expect(viewed.status).toBe(200);
    await viewed.body?.cancel();
  });
});
