import type { LiveEvent, LiveSetup, NotRunTest, TestEndEvent } from '@flackyness/shared/ingest';
import type {
  PlaywrightReport,
  PlaywrightSpec,
  PlaywrightSuite,
} from '@flackyness/shared/playwright-report';
import type { TestApp } from './harness.ts';

/**
 * A live session's messages made from a real JSON report, as our reporter would have sent them for
 * the same run: one `test-end` per attempt with the test's place in the report (`order`, `specId`),
 * the tests without attempts as `notRun`. Lets the server's side of live runs be checked against
 * uploads of the committed fixture reports, independently of the reporter package.
 */
export interface LiveSessionScript {
  setup: LiveSetup;
  events: LiveEvent[];
  notRun: NotRunTest[];
  summary: { startTime: string; duration: number };
}

export function liveScriptFromReport(
  report: PlaywrightReport,
  ci: LiveSetup['ci'] = {},
): LiveSessionScript {
  const events: LiveEvent[] = [];
  const notRun: NotRunTest[] = [];
  let order = 0;
  let total = 0;
  const walk = (suite: PlaywrightSuite, file: string, describes: string[]) => {
    for (const spec of suite.specs ?? []) addSpec(spec, spec.file ?? file, describes);
    for (const child of suite.suites ?? []) {
      const titles = child.title === '' ? describes : [...describes, child.title];
      walk(child, child.file ?? file, titles);
    }
  };
  const addSpec = (spec: PlaywrightSpec, file: string, describes: string[]) => {
    spec.tests.forEach((test, index) => {
      total++;
      // The JSON keeps only the spec's first test's id; the others get ids of their own here.
      const specId = spec.id ?? `spec-${order}`;
      const testId = index === 0 ? specId : `${specId}-${index}`;
      const common = {
        testId,
        title: spec.title,
        titlePath: [...describes, spec.title],
        file,
        ...(spec.line !== undefined ? { line: spec.line } : {}),
        ...(spec.column !== undefined ? { column: spec.column } : {}),
        projectName: test.projectName ?? '',
        expectedStatus: test.expectedStatus ?? 'passed',
        tags: (spec.tags ?? []).map((tag) => `@${tag}`),
        annotations: (test.annotations ?? []).map((a) => ({
          type: a.type,
          ...(a.description !== undefined ? { description: String(a.description) } : {}),
        })),
        order: order++,
        specId,
      };
      if (test.results.length === 0) {
        notRun.push(common);
        return;
      }
      test.results.forEach((result, attempt) => {
        const last = attempt === test.results.length - 1;
        const end: TestEndEvent = {
          type: 'test-end',
          ...common,
          retry: result.retry ?? attempt,
          status: result.status,
          duration: result.duration ?? 0,
          ...(result.startTime !== undefined ? { startTime: result.startTime } : {}),
          ...(result.error ? { error: result.error } : {}),
          outcome: last ? ((test.status ?? 'expected') as TestEndEvent['outcome']) : 'unexpected',
          willRetry: !last,
        };
        events.push(
          {
            type: 'test-begin',
            testId,
            title: common.title,
            titlePath: common.titlePath,
            file,
            projectName: common.projectName,
            retry: end.retry,
          },
          end,
          {
            type: 'log',
            testId,
            retry: end.retry,
            stream: 'stdout',
            chunk: `\u001b[32m${spec.title}\u001b[39m\n`,
          },
        );
      });
    });
  };
  for (const file of report.suites) walk(file, file.file ?? file.title, []);
  for (const error of report.errors ?? []) events.push({ type: 'status', error });
  const stats = report.stats as { startTime: string; duration: number };
  return {
    setup: {
      framework: 'playwright',
      reporterVersion: '0.0.0-test',
      ...(report.config.version ? { playwrightVersion: report.config.version } : {}),
      totalTests: total,
      startedAt: stats.startTime,
      ...(report.config.shard ? { shard: report.config.shard } : {}),
      ci,
    },
    events,
    notRun,
    summary: { startTime: stats.startTime, duration: stats.duration },
  };
}

export async function postJson(
  t: Pick<TestApp, 'request'>,
  path: string,
  token: string,
  body: unknown,
): Promise<Response> {
  return t.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Streams the script through setup, batches of `batchSize` and teardown; returns the run id. */
export async function streamLiveRun(
  t: Pick<TestApp, 'request'>,
  token: string,
  script: LiveSessionScript,
  batchSize = 50,
): Promise<{ sessionId: string; runId: string; teardown: Response }> {
  const setup = await postJson(t, '/api/v1/ingest/setup', token, script.setup);
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const { sessionId, runId } = (await setup.json()) as { sessionId: string; runId: string };
  let seq = 0;
  for (let i = 0; i < script.events.length; i += batchSize) {
    const response = await postJson(t, '/api/v1/ingest/event', token, {
      sessionId,
      seq: seq++,
      events: script.events.slice(i, i + batchSize),
    });
    if (response.status !== 202)
      throw new Error(`event: ${response.status} ${await response.text()}`);
  }
  const teardown = await postJson(t, '/api/v1/ingest/teardown', token, {
    sessionId,
    status: 'passed',
    summary: { ...script.summary, lastSeq: seq > 0 ? seq - 1 : null, notRun: script.notRun },
  });
  return { sessionId, runId, teardown };
}

/** Everything a run stored, without ids and times of storage: two equal runs compare equal. */
export async function storedRun(t: TestApp, runId: string) {
  const sql = t.database.sql;
  const [run] = await sql`
    select status, branch, commit, pipeline, job, started_at, duration_ms, total, expected,
      unexpected, flaky, skipped, excluded_from_stats, playwright_version
    from runs where id = ${runId}`;
  const parts = await sql`
    select shard, status, partial, playwright_version, started_at, duration_ms, total, expected,
      unexpected, flaky, skipped, errors
    from run_parts where run_id = ${runId} order by shard`;
  const results = await sql`
    select t.project_name, t.file, t.title, t.title_path, t.line, t.column, t.tags,
      t.playwright_id is not null as has_playwright_id,
      r.repeat_index, r.outcome, r.expected_status, r.attempts, r.final_status, r.duration_ms,
      r.failed_duration_ms, r.error_message, r.error_signature, r.details, r.created_at
    from test_results r join tests t on t.id = r.test_id
    where r.run_id = ${runId}
    order by t.project_name, t.file, t.title_path, r.repeat_index`;
  return { run, parts, results };
}

/** The project's flaky-tests table (every status), without test ids: equal tables of two projects
 *  compare equal. */
export async function flakyTable(t: Pick<TestApp, 'request'>, token: string, projectId: string) {
  const response = await t.request(
    `/api/v1/projects/${projectId}/flaky-tests?status=all&limit=100`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  const body = (await response.json()) as { items: Record<string, unknown>[] };
  return body.items.map(({ testId: _id, ...rest }) => rest);
}
