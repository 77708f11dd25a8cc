import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReport } from '../../test/fixtures/reports.ts';
import {
  countProjectRows,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';
import { liveScriptFromReport, streamLiveRun } from '../../test/live-session.ts';
import { IngestSlots } from '../http/ingest-slots.ts';

/**
 * Uploads and live teardowns take their turn (INGEST_CONCURRENCY): one that waits is stored once
 * its turn comes; past INGEST_QUEUE_MAX one is refused with 503 and Retry-After, and nothing of it
 * is stored. The test holds the only slot itself, so what waits is known.
 */
const slots = new IngestSlots(1, 1);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ingestSlots: slots });
});
afterAll(async () => {
  await t.close();
});

/** Takes the only slot until `release` is called. */
function holdTheSlot() {
  let release: () => void = () => {};
  const held = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
  return { release: () => (release(), held) };
}

/** Until a request has reached the queue (its body read, its turn not come). */
async function untilOneWaits() {
  for (let i = 0; i < 200 && slots.waiting === 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect(slots.waiting).toBe(1);
}

const basic = loadReport('basic') as PlaywrightReport;
// Another report: the same bytes sent again would be the same upload (answered 200, not stored).
const allPass = loadReport('all-pass');
const query = { pipeline: '1', job: 'e2e', branch: 'main', commit: 'abc' };

describe('ingest slots', () => {
  it('an upload waits for its turn, then is stored', async () => {
    const { project, token } = await createProject(t);
    const hold = holdTheSlot();
    const upload = uploadReport(t, token, basic, { query });
    await untilOneWaits();
    expect((await countProjectRows(t, project.id)).runs).toBe(0);
    await hold.release();
    const answer = await upload;
    expect(answer.status, await answer.clone().text()).toBe(201);
    expect((await countProjectRows(t, project.id)).runs).toBe(1);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it('past the queue, an upload is refused with 503 and Retry-After and stores nothing', async () => {
    const { project, token } = await createProject(t);
    const hold = holdTheSlot();
    const waiting = uploadReport(t, token, basic, { query });
    await untilOneWaits();
    const refused = await uploadReport(t, token, allPass, { query: { ...query, pipeline: '2' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({
      error: { code: 'service_unavailable', message: expect.stringMatching(/busy/) },
    });
    await hold.release();
    expect((await waiting).status).toBe(201);
    // The one that waited is stored; the refused one is not.
    expect((await countProjectRows(t, project.id)).runs).toBe(1);
    // Sent again once the server has room, it is stored.
    const again = await uploadReport(t, token, allPass, { query: { ...query, pipeline: '2' } });
    expect(again.status).toBe(201);
    expect((await countProjectRows(t, project.id)).runs).toBe(2);
  });

  it('a live teardown takes its turn too: refused past the queue, stored when sent again', async () => {
    const { project, token } = await createProject(t);
    const script = liveScriptFromReport(basic, { pipeline: '3', job: 'e2e', branch: 'main' });
    const hold = holdTheSlot();
    // One waits in the queue, so the live run's teardown finds no room.
    const waiting = uploadReport(t, token, basic, { query: { ...query, pipeline: '4' } });
    await untilOneWaits();
    const { sessionId, runId, teardown } = await streamLiveRun(t, token, script);
    expect(teardown.status).toBe(503);
    expect(teardown.headers.get('retry-after')).toBe('5');
    await hold.release();
    expect((await waiting).status).toBe(201);
    const again = await t.request('/api/v1/ingest/teardown', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sessionId,
        status: 'passed',
        summary: { ...script.summary, lastSeq: 0, notRun: script.notRun },
      }),
    });
    expect(again.status, await again.clone().text()).toBe(200);
    expect(((await again.json()) as { run: { id: string } }).run.id).toBe(runId);
    expect((await countProjectRows(t, project.id)).runs).toBe(2);
  });
});
