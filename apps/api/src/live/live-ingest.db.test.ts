import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { loadReport, type ReportName } from '../../test/fixtures/reports.ts';
import {
  liveScriptFromReport,
  postJson,
  flakyTable,
  storedRun,
  streamLiveRun,
} from '../../test/live-session.ts';
import { cancelOrphanedRuns } from '../jobs/live-orphans.ts';

/**
 * Live runs end stored exactly as an upload of the same run's JSON report (DESIGN.md §6): each
 * committed fixture report is uploaded to one project and streamed, attempt by attempt, to another.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const report = (name: ReportName) => structuredClone(loadReport(name)) as PlaywrightReport;

describe('a live run equals the upload of its report', () => {
  for (const name of ['basic', 'repeat-each', 'aborted', 'all-pass'] as const) {
    it(`${name}: results, attempts, errors, totals and flakiness`, async () => {
      const uploaded = await createProject(t);
      const streamed = await createProject(t);
      const json = report(name);
      const upload = await uploadReport(t, uploaded.token, json, {
        query: { pipeline: '7', job: 'e2e', branch: 'main', commit: 'abc' },
      });
      expect(upload.status).toBe(201);
      const uploadedRun = ((await upload.json()) as { run: { id: string } }).run.id;

      const script = liveScriptFromReport(json, {
        provider: 'gitlab',
        pipeline: '7',
        job: 'e2e',
        branch: 'main',
        commit: 'abc',
      });
      const { runId, teardown } = await streamLiveRun(t, streamed.token, script, 7);
      expect(teardown.status, await teardown.clone().text()).toBe(200);
      const answer = (await teardown.json()) as { run: { id: string; source: string } };
      expect(answer.run).toMatchObject({ id: runId, source: 'live' });

      expect(await storedRun(t, runId)).toEqual(await storedRun(t, uploadedRun));
      expect(await flakyTable(t, streamed.token, streamed.project.id)).toEqual(
        await flakyTable(t, uploaded.token, uploaded.project.id),
      );
    });
  }

  it('shards: a live shard and an uploaded shard of one job make one run, like two uploads', async () => {
    const uploaded = await createProject(t);
    const mixed = await createProject(t);
    const ci = { pipeline: '99', job: 'e2e', branch: 'main', commit: 'c1' };
    for (const name of ['shard-1-of-2', 'shard-2-of-2'] as const) {
      const response = await uploadReport(t, uploaded.token, report(name), { query: ci });
      expect(response.status).toBe(201);
    }
    const live = await streamLiveRun(
      t,
      mixed.token,
      liveScriptFromReport(report('shard-1-of-2'), ci),
    );
    expect(live.teardown.status).toBe(200);
    const second = await uploadReport(t, mixed.token, report('shard-2-of-2'), { query: ci });
    expect(second.status).toBe(201);
    const secondRun = ((await second.json()) as { run: { id: string; parts: number } }).run;
    expect(secondRun).toMatchObject({ id: live.runId, parts: 2 });
    const [uploadedRunId] = await t.database.sql<{ id: string }[]>`
      select id from runs where project_id = ${uploaded.project.id}`;
    expect(await storedRun(t, live.runId)).toEqual(await storedRun(t, uploadedRunId!.id));
  });

  it('the live part is replaced by an upload of the same job and shard, not added to', async () => {
    const { token, project } = await createProject(t);
    const ci = { pipeline: '5', job: 'e2e' };
    const json = report('basic');
    const live = await streamLiveRun(t, token, liveScriptFromReport(json, ci));
    const before = await storedRun(t, live.runId);
    const upload = await uploadReport(t, token, json, { query: ci });
    expect(upload.status).toBe(201);
    expect(await storedRun(t, live.runId)).toEqual(before);
    expect((await countProjectRows(t, project.id)).runs).toBe(1);
  });
});

describe('batches', () => {
  it('are applied once per (session, seq), when retried, duplicated or out of order', async () => {
    const { token } = await createProject(t);
    const script = liveScriptFromReport(report('basic'));
    const setup = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
    const { sessionId, runId } = (await setup.json()) as { sessionId: string; runId: string };
    const batches = [0, 1, 2].map((seq) => ({
      sessionId,
      seq,
      events: script.events.slice(seq * 20, (seq + 1) * 20),
    }));
    const rest = script.events.slice(60);
    for (const batch of [batches[2], batches[0], batches[0], batches[1], batches[2]]) {
      const response = await postJson(t, '/api/v1/ingest/event', token, batch);
      expect(response.status).toBe(202);
    }
    await postJson(t, '/api/v1/ingest/event', token, { sessionId, seq: 3, events: rest });
    const [{ count }] = (await t.database.sql`
      select count(*)::int as count from live_events
      where run_id = ${runId} and kind <> 'run-updated'`) as unknown as [{ count: number }];
    expect(count).toBe(script.events.length);

    const run = await t.request(`/api/v1/runs/${runId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { run: dto } = (await run.json()) as {
      run: { status: string; live: { finished: number; totalTests: number } };
    };
    expect(dto.status).toBe('running');
    expect(dto.live.finished).toBe(script.setup.totalTests - script.notRun.length);
    expect(dto.live.totalTests).toBe(script.setup.totalTests);
  });

  it('a teardown before a batch it counts answers 409 naming the batch, then completes', async () => {
    const { token } = await createProject(t);
    const script = liveScriptFromReport(report('basic'));
    const setup = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
    const { sessionId } = (await setup.json()) as { sessionId: string };
    await postJson(t, '/api/v1/ingest/event', token, {
      sessionId,
      seq: 1,
      events: script.events.slice(40),
    });
    const teardown = {
      sessionId,
      status: 'failed',
      summary: { ...script.summary, lastSeq: 1, notRun: script.notRun },
    };
    const early = await postJson(t, '/api/v1/ingest/teardown', token, teardown);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({
      error: { code: 'batches_missing', details: { missing: [0] } },
    });
    await postJson(t, '/api/v1/ingest/event', token, {
      sessionId,
      seq: 0,
      events: script.events.slice(0, 40),
    });
    const done = await postJson(t, '/api/v1/ingest/teardown', token, teardown);
    expect(done.status).toBe(200);
    const again = await postJson(t, '/api/v1/ingest/teardown', token, teardown);
    expect(again.status).toBe(200);
    const runOf = async (response: Response) => {
      const { run } = (await response.json()) as { run: { id: string; totals: unknown } };
      return { id: run.id, totals: run.totals };
    };
    expect(await runOf(again)).toEqual(await runOf(done));
  });
});

describe('refusals', () => {
  it("another project's session, or an unknown one, is 404 and changes nothing", async () => {
    const owner = await createProject(t);
    const other = await createProject(t);
    const script = liveScriptFromReport(report('basic'));
    const setup = await postJson(t, '/api/v1/ingest/setup', owner.token, script.setup);
    const { sessionId } = (await setup.json()) as { sessionId: string };
    for (const id of [sessionId, '00000000-0000-4000-8000-000000000000']) {
      const event = await postJson(t, '/api/v1/ingest/event', other.token, {
        sessionId: id,
        seq: 0,
        events: script.events.slice(0, 3),
      });
      expect(event.status).toBe(404);
      const teardown = await postJson(t, '/api/v1/ingest/teardown', other.token, {
        sessionId: id,
        status: 'passed',
      });
      expect(teardown.status).toBe(404);
      expect(await teardown.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    expect(await countProjectRows(t, other.project.id)).toEqual({
      runs: 0,
      parts: 0,
      results: 0,
      tests: 0,
    });
  });

  it('bad bodies are 400 with field paths; no credentials 401; a session cookie 403', async () => {
    const { token, project } = await createProject(t);
    const cases: [unknown, string][] = [
      [{ framework: 'jest', reporterVersion: '1', totalTests: 1 }, 'framework'],
      [{ framework: 'playwright', reporterVersion: '1', totalTests: -1 }, 'totalTests'],
      [
        { framework: 'playwright', reporterVersion: '1', totalTests: 1, ci: { pr: 'abc' } },
        'ci.pr',
      ],
      [
        { framework: 'playwright', reporterVersion: '1', totalTests: 1, ci: { runUrl: 'ftp://x' } },
        'ci.runUrl',
      ],
      [
        {
          framework: 'playwright',
          reporterVersion: '1',
          totalTests: 1,
          startedAt: '2001-01-01T00:00:00Z',
        },
        'startedAt',
      ],
      [{ framework: 'playwright', reporterVersion: '1', totalTests: 1, extra: true }, 'extra'],
    ];
    for (const [body, path] of cases) {
      const response = await postJson(t, '/api/v1/ingest/setup', token, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as { error: { details: { path: string }[] } };
      expect(error.details.map((d) => d.path)).toContain(path);
    }
    const setup = await postJson(t, '/api/v1/ingest/setup', token, {
      framework: 'playwright',
      reporterVersion: '1',
      totalTests: 1,
    });
    const { sessionId } = (await setup.json()) as { sessionId: string };
    const badEvents: unknown[] = [
      { type: 'test-end', testId: 'x' },
      { type: 'nope' },
      { type: 'log', stream: 'stdout', chunk: 'x'.repeat(64 * 1024 + 1) },
    ];
    for (const event of badEvents) {
      const response = await postJson(t, '/api/v1/ingest/event', token, {
        sessionId,
        seq: 0,
        events: [event],
      });
      expect(response.status).toBe(400);
    }
    const notJson = await t.request('/api/v1/ingest/event', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"sessionId":',
    });
    expect(notJson.status).toBe(400);
    expect((await t.request('/api/v1/ingest/setup', { method: 'POST' })).status).toBe(401);
    // Only the session's setup run exists; no batch was applied.
    expect(await countProjectRows(t, project.id)).toMatchObject({ runs: 1, results: 0 });
    const [{ batches }] = (await t.database.sql`
      select count(*)::int as batches from live_batches where session_id = ${sessionId}`) as unknown as [
      { batches: number },
    ];
    expect(batches).toBe(0);
  });

  it('NUL and lone surrogates in text are stored as U+FFFD, never a 5xx', async () => {
    const { token } = await createProject(t);
    const script = liveScriptFromReport(report('all-pass'));
    const first = script.events.find((e) => e.type === 'test-end');
    if (first?.type !== 'test-end') throw new Error('no test-end');
    first.title = 'nul\u0000 and \ud800 lone';
    first.titlePath = [...first.titlePath.slice(0, -1), first.title];
    script.events.push({ type: 'log', stream: 'stderr', chunk: 'bad \u0000 \udfff' });
    const { teardown } = await streamLiveRun(t, token, script);
    expect(teardown.status).toBe(200);
  });
});

describe('a silent reporter', () => {
  it(`is cancelled after LIVE_ORPHAN_HOURS; a late teardown still completes the run`, async () => {
    const { token } = await createProject(t);
    const script = liveScriptFromReport(report('basic'));
    const setup = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
    const { sessionId, runId } = (await setup.json()) as { sessionId: string; runId: string };
    await postJson(t, '/api/v1/ingest/event', token, {
      sessionId,
      seq: 0,
      events: script.events,
    });
    const status = async () =>
      ((await t.database.sql`select status from runs where id = ${runId}`)[0] as { status: string })
        .status;
    const options = { database: t.database, bus: t.live.bus, orphanHours: 24, logger: silent };
    const later = (hours: number) => () => new Date(Date.now() + hours * 3600_000);
    expect(await cancelOrphanedRuns({ ...options, now: later(23) })).toBe(0);
    expect(await status()).toBe('running');
    expect(await cancelOrphanedRuns({ ...options, now: later(25) })).toBeGreaterThanOrEqual(1);
    expect(await status()).toBe('cancelled');
    // The events stay, and the teardown that comes after all completes the run.
    const teardown = await postJson(t, '/api/v1/ingest/teardown', token, {
      sessionId,
      status: 'failed',
      summary: { ...script.summary, lastSeq: 0, notRun: script.notRun },
    });
    expect(teardown.status).toBe(200);
    expect(await status()).toBe('failed');
  });
});

const silent = {
  info: () => {},
  warn: () => {},
  error: () => {},
} as unknown as Parameters<typeof cancelOrphanedRuns>[0]['logger'];
