import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, startTestApp, type TestApp } from '../../test/harness.ts';
import { loadBaseReports, mutateReport, mutation } from '../../test/hostile-inputs.ts';
import { liveScriptFromReport, postJson, type LiveSessionScript } from '../../test/live-session.ts';
import type { PlaywrightReport } from '@flackyness/shared/playwright-report';

/**
 * Hostile live ingest: valid setup, batch and teardown bodies mutated at random places (deleted,
 * renamed, duplicated fields, hostile strings and numbers, deep nesting) never give a 5xx, and a
 * refused batch is not applied.
 */

let t: TestApp;
let token: string;
let script: LiveSessionScript;
beforeAll(async () => {
  t = await startTestApp();
  token = (await createProject(t)).token;
  const basic = loadBaseReports(new Date()).find((r) => r.name === 'basic');
  script = liveScriptFromReport(basic?.report as PlaywrightReport, {
    branch: 'main',
    commit: 'abc',
  });
});
afterAll(async () => {
  await t?.close();
});

const RUNS = Number(process.env.FLK_FUZZ_RUNS ?? 400);

async function openSession(): Promise<string> {
  const response = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
  expect(response.status).toBe(201);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

describe('live ingest under hostile bodies', () => {
  it('answers every mutated setup, batch and teardown with a 2xx or a 4xx, never a 5xx', async () => {
    const sessionId = await openSession();
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('setup', 'event', 'teardown'),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.nat({ max: script.events.length - 10 }),
        async (target, mutations, from) => {
          const batchSeq = seq++;
          const valid =
            target === 'setup'
              ? script.setup
              : target === 'event'
                ? { sessionId, seq: batchSeq, events: script.events.slice(from, from + 10) }
                : {
                    sessionId,
                    status: 'failed',
                    summary: { ...script.summary, notRun: script.notRun.slice(0, 3) },
                  };
          const body = mutateReport(valid, mutations);
          const response = await postJson(t, `/api/v1/ingest/${target}`, token, body);
          expect(response.status, await response.clone().text()).toBeLessThan(500);
          const answer = (await response.json()) as { error?: { code: string; message: string } };
          if (response.status >= 400) {
            expect(answer.error?.code).toEqual(expect.any(String));
            expect(answer.error?.message).toEqual(expect.any(String));
          }
          if (target === 'event' && response.status >= 400) {
            const rows = await t.database.sql`
              select 1 from live_batches where session_id = ${sessionId} and seq = ${batchSeq}`;
            expect(rows.length).toBe(0);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
