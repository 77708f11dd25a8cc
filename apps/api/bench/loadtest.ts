/**
 * `pnpm loadtest`: the server under the load of a busy CI fleet, on loopback, for a bounded time
 * (LOADTEST_SECONDS, 300 by default), in a process of its own on a scratch PostgreSQL database:
 *
 * - uploads: LOADTEST_UPLOADS_PER_MIN (100) reports of 1,000 results, spread over 5 projects;
 * - live: LOADTEST_EVENTS_PER_SEC (1,000) events across 20 live runs at any time, one batch per
 *   run a second; each run lasts LOADTEST_LIVE_RUN_SECONDS (60), tears down (its results stored as
 *   an upload's) and the next begins, the slots staggered so that teardowns come evenly;
 * - reads: LOADTEST_READS_PER_SEC (100) API reads and dashboard pages.
 *
 * The same load runs for LOADTEST_WARMUP_SECONDS (15) first, reported apart and left out of the
 * targets: a server just started compiles its code and plans its queries (its first seconds answer
 * in hundreds of milliseconds), and the projects get their tests.
 *
 * Open loop: requests leave on schedule whether or not earlier ones answered, as independent CI
 * jobs and viewers do. The generator builds every report before the clock starts and sends with
 * node:http, so that its own work on the two shared cores adds as little as it can to what it
 * measures. It prints throughput, p50/p99 latency and errors per kind, the server's
 * event-loop lag (from /metrics), then checks that every accepted result is stored.
 *
 * LOADTEST_RESTART_POSTGRES_AT=<seconds>: stops the PostgreSQL cluster then, for
 * LOADTEST_OUTAGE_SECONDS (8), and starts it again (faults mode): the
 * outage must show in /ready and /metrics, the service must recover by itself, and nothing that
 * was accepted may be lost. It needs root (pg_ctlcluster) and interrupts every database client of
 * the machine: never while tests run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { dashboardBuildDir } from '../src/dashboard.ts';
import { loadConfig } from '../src/config.ts';
import { liveScriptFromReport, type LiveSessionScript } from '../test/live-session.ts';
import { startServer, type RunningServer } from '../test/server-process.ts';
import { createScratchDatabase, percentile } from './bench-env.ts';
import { send, type HttpAnswer, type HttpRequest } from './http-client.ts';
import { syntheticReport } from './synthetic-report.ts';
import type { PlaywrightReport } from '@flackyness/shared/playwright-report';
import { MAX_EVENTS_PER_BATCH } from '@flackyness/shared/ingest';

const SECONDS = Number(process.env.LOADTEST_SECONDS ?? 300);
const WARMUP_SECONDS = Number(process.env.LOADTEST_WARMUP_SECONDS ?? 15);
const UPLOADS_PER_MIN = Number(process.env.LOADTEST_UPLOADS_PER_MIN ?? 100);
const RESULTS_PER_UPLOAD = 1000;
const EVENTS_PER_SEC = Number(process.env.LOADTEST_EVENTS_PER_SEC ?? 1000);
const LIVE_RUNS = 20;
const LIVE_RUN_SECONDS = Number(process.env.LOADTEST_LIVE_RUN_SECONDS ?? 60);
const READS_PER_SEC = Number(process.env.LOADTEST_READS_PER_SEC ?? 100);
const PROJECTS = 5;
const RESTART_AT = process.env.LOADTEST_RESTART_POSTGRES_AT
  ? Number(process.env.LOADTEST_RESTART_POSTGRES_AT)
  : undefined;
const OUTAGE_SECONDS = Number(process.env.LOADTEST_OUTAGE_SECONDS ?? 8);
const ADMIN = 'loadtest-admin-token-0123456789';

type Kind = 'upload' | 'live' | 'teardown' | 'read-api' | 'read-page';
const KINDS: Kind[] = ['upload', 'live', 'teardown', 'read-api', 'read-page'];

class Recorder {
  readonly latencies = new Map<Kind, number[]>();
  readonly statuses = new Map<Kind, Map<string, number>>();
  /** What the requests that got no answer failed with (kind: code). */
  readonly errors = new Set<string>();

  record(kind: Kind, ms: number, status: number | string): void {
    const list = this.latencies.get(kind) ?? [];
    list.push(ms);
    this.latencies.set(kind, list);
    const counts = this.statuses.get(kind) ?? new Map<string, number>();
    const key = typeof status === 'number' ? `${Math.floor(status / 100)}xx` : status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.statuses.set(kind, counts);
  }

  count(kind: Kind, key: string): number {
    return this.statuses.get(kind)?.get(key) ?? 0;
  }
}

async function timed(
  recorder: Recorder,
  kind: Kind,
  url: string,
  init: HttpRequest,
): Promise<HttpAnswer | null> {
  const began = performance.now();
  try {
    const response = await send(url, init);
    recorder.record(kind, performance.now() - began, response.status);
    return response;
  } catch (error) {
    const { name, code } = error as NodeJS.ErrnoException;
    recorder.errors.add(`${kind}: ${code ?? name}`);
    const status = name === 'TimeoutError' ? 'timeout' : 'network error';
    recorder.record(kind, performance.now() - began, status);
    return null;
  }
}

/** Upload `i`'s report as sent: a new run of 1,000 results that started a minute before `at`. */
function uploadBody(i: number, at: number): Buffer {
  const report = syntheticReport({
    tests: RESULTS_PER_UPLOAD,
    startTime: new Date(at - 60_000),
    runIndex: i,
    firstTest: (i % 3) * 200,
  });
  return Buffer.from(JSON.stringify(report));
}

interface LiveRunPlan {
  /** Seconds from the start of the load (warm-up included). */
  endsAt: number;
  tests: number;
  script: LiveSessionScript;
}

/** Each slot's live runs, built before the clock starts: when each ends, and what it sends. */
function liveRunPlans(perRun: number, builtAt: number): LiveRunPlan[][] {
  const total = WARMUP_SECONDS + SECONDS;
  return Array.from({ length: LIVE_RUNS }, (_, r) => {
    const ends: number[] = [];
    const first = ((r + 1) / LIVE_RUNS) * LIVE_RUN_SECONDS;
    for (let end = first; end < total; end += LIVE_RUN_SECONDS) ends.push(end);
    ends.push(total);
    return ends.map((endsAt, k) => {
      const beginsAt = k === 0 ? 0 : (ends[k - 1] as number);
      // A batch's worth a second, and a few left for the last batch before the teardown.
      const tests = Math.ceil((perRun * (endsAt - beginsAt)) / 2) + 10;
      const report = syntheticReport({
        tests,
        startTime: new Date(builtAt + beginsAt * 1000),
        runIndex: 1000 + r * 100 + k,
      }) as unknown as PlaywrightReport;
      const script = liveScriptFromReport(report, {
        pipeline: `live-${r}-${k}`,
        job: 'e2e',
        branch: 'main',
      });
      return { endsAt, tests, script };
    });
  });
}

/** Runs `fire` `perSecond` times a second, evenly, until `until`; waits for what is in flight. */
async function openLoop(perSecond: number, until: number, fire: (i: number) => Promise<unknown>) {
  const gap = 1000 / perSecond;
  const inFlight = new Set<Promise<unknown>>();
  const start = performance.now();
  for (let i = 0; ; i++) {
    const at = start + i * gap;
    if (Date.now() + (at - performance.now()) >= until) break;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = fire(i).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.allSettled(inFlight);
}

async function scrapeLag(url: string): Promise<{ p99: number; max: number; dbUp: number } | null> {
  try {
    const text = (await send(`${url}/metrics`)).text();
    const value = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ')[1]) : Number.NaN;
    };
    return {
      p99: value('nodejs_eventloop_lag_p99_seconds'),
      max: value('nodejs_eventloop_lag_max_seconds'),
      dbUp: value('flackyness_database_up'),
    };
  } catch {
    return null;
  }
}

async function main() {
  const scratch = await createScratchDatabase('flackyness_loadtest');
  const withDashboard = existsSync(dashboardBuildDir(loadConfig({})));
  const server: RunningServer = await startServer({
    nodeArgs: [
      // The young generation `pnpm start` gives the server (package.json), as the image does.
      '--max-semi-space-size=64',
      // LOADTEST_CPU_PROF=<dir>: the server's CPU profile, written there when it stops.
      ...(process.env.LOADTEST_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOADTEST_CPU_PROF}`]
        : []),
      // LOADTEST_NODE_ARGS: more options for the server's Node.js (e.g. `--trace-gc`), after these.
      ...(process.env.LOADTEST_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: {
      DATABASE_URL: scratch.url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: withDashboard ? 'true' : 'false',
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '20',
      // The load is the point: the per-token and per-IP limits would refuse most of it (one
      // address sends it all). Their own tests prove them.
      RATE_LIMIT_UPLOADS_PER_MIN: '0',
      RATE_LIMIT_INGEST_PER_MIN: '0',
      RATE_LIMIT_READS_PER_MIN: '0',
      RATE_LIMIT_ADMIN_PER_MIN: '0',
      RATE_LIMIT_LOGINS_PER_MIN: '0',
    },
  });
  const url = server.url;
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const projects: { id: string; slug: string; token: string }[] = [];
  for (let p = 0; p < PROJECTS; p++) {
    const response = await fetch(`${url}/api/v1/admin/projects`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: `Load ${p}` }),
    });
    const body = (await response.json()) as {
      project: { id: string; slug: string };
      token: string;
    };
    projects.push({ ...body.project, token: body.token });
  }
  const session = (await (
    await fetch(`${url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN }),
    })
  ).json()) as { session: string };

  // Every upload's report, built before the clock starts: building one (about 10 ms) on the
  // generator's loop while reads are in flight would add to their latencies.
  const builtAt = Date.now();
  const uploadBodies = Array.from(
    { length: Math.ceil(((WARMUP_SECONDS + SECONDS) * UPLOADS_PER_MIN) / 60) + 1 },
    (_, i) => uploadBody(i, builtAt + (i * 60_000) / UPLOADS_PER_MIN),
  );
  const recorder = new Recorder();
  const warmup = new Recorder();
  const byPath = new Map<string, number[]>();
  const byMinute = new Map<number, number[]>();
  const accepted = new Map<string, number>();
  const acceptedRuns: string[] = [];
  let liveRunsDone = 0;
  const started = Date.now();
  const measuredFrom = started + WARMUP_SECONDS * 1000;
  const until = measuredFrom + SECONDS * 1000;
  // Where a request that leaves now is counted.
  const phase = () => (Date.now() < measuredFrom ? warmup : recorder);
  const lagSamples: number[] = [];
  let lagMax = 0;
  // The load generator's own loop: a stall here would look like the server's.
  const clientLoop = monitorEventLoopDelay({ resolution: 10 });
  clientLoop.enable();
  const readiness: { at: number; ready: boolean }[] = [];
  const dbUpSamples: number[] = [];

  // Uploads: each a new run of its project, 1,000 results.
  const uploads = openLoop(UPLOADS_PER_MIN / 60, until, async (i) => {
    const project = projects[i % PROJECTS] as (typeof projects)[number];
    const body = uploadBodies[i] ?? uploadBody(i, Date.now());
    const query = new URLSearchParams({
      pipeline: `load-${i}`,
      job: 'e2e',
      branch: i % 4 === 0 ? 'main' : `feature/${i % 7}`,
      commit: (i % 16).toString(16).repeat(40),
    });
    const response = await timed(phase(), 'upload', `${url}/api/v1/reports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${project.token}`, 'content-type': 'application/json' },
      body,
    });
    if (response?.status === 201) {
      const { run } = response.json<{ run: { id: string; totals: { total: number } } }>();
      accepted.set(project.id, (accepted.get(project.id) ?? 0) + run.totals.total);
      acceptedRuns.push(run.id);
    }
  });

  // Live runs: LIVE_RUNS at any time, each sending one batch a second (test-begin/test-end pairs
  // from a synthetic report) for LIVE_RUN_SECONDS, then its teardown, and the next run of its slot
  // begins. The slots' first runs are cut shorter, one after another, so that teardowns come
  // evenly as CI jobs end, not all at once; the last run of each slot ends with the load, and its
  // teardown waits for the measured reads to finish.
  const perRun = Math.max(2, Math.round(EVENTS_PER_SEC / LIVE_RUNS));
  const plans = liveRunPlans(perRun, builtAt);
  let readsDone: Promise<unknown> = Promise.resolve();
  const live = Promise.all(
    plans.map(async (runs, r) => {
      const project = projects[r % PROJECTS] as (typeof projects)[number];
      const headers = {
        authorization: `Bearer ${project.token}`,
        'content-type': 'application/json',
      };
      for (const [k, plan] of runs.entries()) {
        const { script, tests } = plan;
        const setup = await send(`${url}/api/v1/ingest/setup`, {
          method: 'POST',
          headers,
          body: JSON.stringify(script.setup),
        });
        const { sessionId } = setup.json<{ sessionId: string }>();
        let sent = 0;
        let seq = 0;
        await openLoop(1, Math.min(until, started + plan.endsAt * 1000), async () => {
          const events = script.events.slice(sent, sent + perRun);
          sent += events.length;
          if (events.length === 0) return;
          const batch = seq++;
          // The reporter retries a batch that did not get through; so does this.
          for (let attempt = 0; attempt < 10; attempt++) {
            const response = await timed(phase(), 'live', `${url}/api/v1/ingest/event`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ sessionId, seq: batch, events }),
            });
            if (response?.status === 202) return;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        });
        if (k === runs.length - 1) await readsDone;
        // What was not streamed in time goes before the teardown, in batches the API takes.
        for (let from = sent; from < script.events.length; from += MAX_EVENTS_PER_BATCH) {
          const last = await send(`${url}/api/v1/ingest/event`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              sessionId,
              seq: seq++,
              events: script.events.slice(from, from + MAX_EVENTS_PER_BATCH),
            }),
          });
          if (last.status !== 202)
            console.error(
              `live run ${r}.${k}: a last batch answered ${last.status} ${last.text()}`,
            );
        }
        const teardown = await timed(phase(), 'teardown', `${url}/api/v1/ingest/teardown`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            sessionId,
            status: 'passed',
            summary: { ...script.summary, lastSeq: seq - 1, notRun: script.notRun },
          }),
        });
        if (teardown?.status === 200) {
          accepted.set(project.id, (accepted.get(project.id) ?? 0) + tests);
          liveRunsDone += 1;
        } else {
          console.error(`live run ${r}.${k}: teardown answered ${teardown?.status ?? 'nothing'}`);
        }
      }
    }),
  );

  // Reads: the API's lists and details, and dashboard pages.
  const reads = openLoop(READS_PER_SEC, until, async (i) => {
    const project = projects[i % PROJECTS] as (typeof projects)[number];
    const runId = acceptedRuns[i % Math.max(1, acceptedRuns.length)];
    const api = [
      `/api/v1/projects/${project.slug}/flaky-tests?limit=50`,
      `/api/v1/projects/${project.slug}/runs?limit=50`,
      `/api/v1/projects/${project.slug}/stats`,
      `/api/v1/projects/${project.slug}/errors`,
      ...(runId ? [`/api/v1/runs/${runId}/results?limit=100`] : []),
    ];
    const pages = withDashboard
      ? [
          `/projects/${project.slug}`,
          `/projects/${project.slug}/flaky`,
          `/projects/${project.slug}/runs`,
        ]
      : [];
    const page = i % 4 === 3 && pages.length > 0;
    const path = page ? (pages[i % pages.length] as string) : (api[i % api.length] as string);
    const began = performance.now();
    const measured = Date.now() >= measuredFrom;
    await timed(phase(), page ? 'read-page' : 'read-api', `${url}${path}`, {
      headers: page
        ? { cookie: `flk_session=${session.session}` }
        : { authorization: `Bearer ${ADMIN}` },
    });
    // Per kind of page (the project and ids left out): where the time goes.
    const shape = (path.split('?')[0] as string)
      .replace(project.slug, ':project')
      .replace(/\/runs\/\d+/, '/runs/:id');
    if (!measured) return;
    const ms = performance.now() - began;
    const list = byPath.get(shape) ?? [];
    list.push(ms);
    byPath.set(shape, list);
    // By minute of the measured period: whether the tail grows with the data or comes in bursts.
    const minute = Math.floor((Date.now() - measuredFrom) / 60_000);
    const ofMinute = byMinute.get(minute) ?? [];
    ofMinute.push(ms);
    byMinute.set(minute, ofMinute);
  });
  readsDone = reads;

  // The server's event-loop lag and readiness, every 5 s; the optional database restart.
  // /metrics and /ready now: the lag since the last look, and whether the database is up.
  const probe = async () => {
    const sample = await scrapeLag(url);
    // Each sample covers the time since the previous one: the first whole one after warm-up on.
    if (sample && Date.now() >= measuredFrom + 5000) {
      if (Number.isFinite(sample.p99)) lagSamples.push(sample.p99 * 1000);
      if (Number.isFinite(sample.max)) lagMax = Math.max(lagMax, sample.max * 1000);
    }
    if (sample && Number.isFinite(sample.dbUp)) dbUpSamples.push(sample.dbUp);
    const ready = await send(`${url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    readiness.push({ at: Date.now() - started, ready });
  };
  const watch = (async () => {
    let restarted = false;
    while (Date.now() < until) {
      await probe();
      if (RESTART_AT !== undefined && !restarted && Date.now() - started >= RESTART_AT * 1000) {
        restarted = true;
        const cluster = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
        console.log(
          `stopping PostgreSQL ${cluster} at ${Math.round((Date.now() - started) / 1000)} s`,
        );
        // Down for a while (LOADTEST_OUTAGE_SECONDS), as a restart for an upgrade or a failover.
        // Not synchronous: the load goes on meanwhile, and the generator's loop must stay free.
        const pgctl = (action: string) =>
          promisify(execFile)('pg_ctlcluster', [
            '--skip-systemctl-redirect',
            cluster as string,
            'main',
            action,
          ]);
        await pgctl('stop');
        // Watched while it lasts: the outage must show in /ready and /metrics.
        const back = Date.now() + OUTAGE_SECONDS * 1000;
        while (Date.now() < back) {
          await probe();
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await pgctl('start');
        console.log(`PostgreSQL back at ${Math.round((Date.now() - started) / 1000)} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, RESTART_AT === undefined ? 5000 : 1000));
    }
  })();

  await Promise.all([uploads, live, reads, watch]);
  const elapsed = (Date.now() - measuredFrom) / 1000;

  // Every accepted result is stored.
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  const stored = new Map(
    (
      await sql<{ projectId: string; results: number }[]>`
        select project_id::text as "projectId", count(*)::int as results from test_results group by project_id`
    ).map((row) => [row.projectId, row.results]),
  );
  await sql.end();

  console.log(
    `\nLoad test: ${elapsed.toFixed(0)} s after ${WARMUP_SECONDS} s of warm-up, on ${url} (PostgreSQL, ${withDashboard ? 'with' : 'without'} dashboard)\n`,
  );
  console.log('kind        requests   per s    p50 ms    p99 ms   2xx   4xx   5xx   other');
  let fiveHundreds = 0;
  for (const kind of KINDS) {
    const latencies = recorder.latencies.get(kind) ?? [];
    const counts = recorder.statuses.get(kind) ?? new Map<string, number>();
    const other = [...counts].filter(([k]) => !/^\dxx$/.test(k)).reduce((n, [, v]) => n + v, 0);
    fiveHundreds += recorder.count(kind, '5xx') + warmup.count(kind, '5xx');
    console.log(
      `${kind.padEnd(10)} ${String(latencies.length).padStart(9)} ${(latencies.length / elapsed).toFixed(1).padStart(7)} ${percentile(latencies, 50).toFixed(1).padStart(9)} ${percentile(latencies, 99).toFixed(1).padStart(9)} ${String(recorder.count(kind, '2xx')).padStart(5)} ${String(recorder.count(kind, '4xx')).padStart(5)} ${String(recorder.count(kind, '5xx')).padStart(5)} ${String(other).padStart(7)}`,
    );
  }
  console.log(
    `warm-up    ${KINDS.map((kind) => {
      const list = warmup.latencies.get(kind) ?? [];
      return `${kind} ${list.length} p99 ${percentile(list, 99).toFixed(0)} ms, 5xx ${warmup.count(kind, '5xx')}`;
    }).join('; ')}`,
  );
  const failures = [...recorder.errors, ...warmup.errors];
  if (failures.length > 0) console.log(`no answer: ${[...new Set(failures)].join(', ')}`);
  console.log('\nread                                      count    p50 ms    p99 ms');
  for (const [shape, list] of [...byPath].sort()) {
    console.log(
      `${shape.padEnd(40)} ${String(list.length).padStart(6)} ${percentile(list, 50).toFixed(1).padStart(9)} ${percentile(list, 99).toFixed(1).padStart(9)}`,
    );
  }
  console.log(
    `reads by minute (p99 ms): ${[...byMinute]
      .sort(([a], [b]) => a - b)
      .map(([minute, list]) => `${minute + 1}: ${percentile(list, 99).toFixed(0)}`)
      .join(', ')}`,
  );
  const readLatencies = [
    ...(recorder.latencies.get('read-api') ?? []),
    ...(recorder.latencies.get('read-page') ?? []),
  ];
  const readP99 = percentile(readLatencies, 99);
  const lagP99 = lagSamples.length > 0 ? Math.max(...lagSamples) : Number.NaN;
  console.log(
    `\nserver event-loop lag: worst p99 sample ${Math.max(...lagSamples, 0).toFixed(1)} ms, max ${lagMax.toFixed(1)} ms; load generator's own: p99 ${(clientLoop.percentile(99) / 1e6).toFixed(1)} ms, max ${(clientLoop.max / 1e6).toFixed(1)} ms`,
  );
  let lost = 0;
  console.log('\nproject   accepted results   stored results');
  for (const project of projects) {
    const want = accepted.get(project.id) ?? 0;
    const have = stored.get(project.id) ?? 0;
    if (have < want) lost += want - have;
    console.log(
      `${project.slug.padEnd(9)} ${String(want).padStart(16)} ${String(have).padStart(16)}`,
    );
  }
  const events = (recorder.latencies.get('live')?.length ?? 0) * perRun;
  console.log(
    `\nlive events sent: ${events} (${(events / elapsed).toFixed(0)}/s); live runs completed: ${liveRunsDone} of ${plans.flat().length}`,
  );
  console.log(
    `uploads accepted: ${acceptedRuns.length} (${((acceptedRuns.length / (elapsed + WARMUP_SECONDS)) * 60).toFixed(1)}/min)`,
  );
  if (RESTART_AT !== undefined) {
    const down = readiness.filter((r) => !r.ready);
    console.log(
      `/ready false in ${down.length} of ${readiness.length} checks (${down.length ? `${Math.round((down[0]?.at ?? 0) / 1000)}–${Math.round((down[down.length - 1]?.at ?? 0) / 1000)} s` : 'never'}); last check ${readiness[readiness.length - 1]?.ready ? 'ready' : 'NOT ready'}`,
    );
    console.log(
      `/metrics flackyness_database_up went to 0: ${dbUpSamples.includes(0) ? 'yes' : 'no'}`,
    );
  }
  const checks = [
    [
      RESTART_AT === undefined ? 'zero 5xx' : '5xx only during the outage',
      RESTART_AT === undefined ? fiveHundreds === 0 : true,
      `${fiveHundreds}`,
    ],
    ['zero lost results', lost === 0, `${lost}`],
    ['read p99 < 200 ms', readP99 < 200, `${readP99.toFixed(1)} ms`],
    [
      'event-loop lag p99 < 100 ms',
      lagP99 < 100,
      Number.isFinite(lagP99)
        ? `${lagP99.toFixed(1)} ms (worst 5 s sample)`
        : 'not measured (no /metrics)',
    ],
  ] as const;
  console.log('');
  for (const [name, ok, figure] of checks)
    console.log(`${ok ? 'met    ' : 'NOT MET'}  ${name}: ${figure}`);

  await server.stop();
  // LOADTEST_SERVER_OUTPUT=<file>: what the server printed (with LOADTEST_NODE_ARGS=--trace-gc, its GC).
  if (process.env.LOADTEST_SERVER_OUTPUT)
    await writeFile(process.env.LOADTEST_SERVER_OUTPUT, server.output());
  // LOADTEST_KEEP_DATABASE=1: left for a look at its plans (drop flackyness_loadtest after).
  if (!process.env.LOADTEST_KEEP_DATABASE) await scratch.drop();
  process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
