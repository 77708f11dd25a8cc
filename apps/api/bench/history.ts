/**
 * pnpm bench:history — fills a project with 10 million results (50,000 tests × 200 runs over 6
 * months, across 7 monthly partitions), then measures in one run, over HTTP:
 *  (a) a 1,000-result upload into that project vs the same upload into an empty project
 *      (target ratio ≤ 1.3);
 *  (b) the flaky-tests page, project stats and a test's history at that size vs at 10,000 results
 *      (50 tests × 200 runs, every test flaky-prone so that its flaky-tests page is full too)
 *      (target ratio ≤ 2 each).
 * PostgreSQL only: ten million rows in embedded PGlite is not a size it is meant for.
 * BENCH_HISTORY_TESTS / BENCH_HISTORY_RUNS shrink the big project for a quick try.
 */
import {
  createBenchProject,
  median,
  ms,
  startBenchServer,
  uploadWithCurl,
  type BenchServer,
} from './bench-env.ts';
import { fillHistory } from './fill-history.ts';
import { syntheticReport } from './synthetic-report.ts';

const BIG_TESTS = Number(process.env.BENCH_HISTORY_TESTS ?? 50_000);
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 200);
const DAYS = 180;
const UPLOAD_ROUNDS = 7;
const READ_ROUNDS = 30;
const log = (m: string) => process.stderr.write(`${m}\n`);

async function timedUpload(
  server: BenchServer,
  token: string,
  round: number,
  label: string,
): Promise<number> {
  // 1,000 tests of the filled suite (their identities exist in the big project), a run of today.
  const report = syntheticReport({
    tests: 1000,
    firstTest: 1000,
    startTime: new Date(Date.now() - 60_000 * (30 - round)),
    runIndex: round,
  });
  const body = Buffer.from(JSON.stringify(report));
  const { elapsed } = await uploadWithCurl(server, token, body, {
    branch: 'main',
    commit: `${label}-c${round}`,
    pipeline: `${label}-p${round}`,
  });
  return elapsed;
}

async function timedGet(server: BenchServer, path: string): Promise<number> {
  const began = performance.now();
  const response = await fetch(`${server.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  await response.arrayBuffer();
  const elapsed = performance.now() - began;
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  return elapsed;
}

async function flakyTestId(server: BenchServer, project: string): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/v1/projects/${project}/flaky-tests?limit=1`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  const body = (await response.json()) as { items: { testId: string }[] };
  if (!body.items[0]) throw new Error(`no flaky test in ${project}`);
  return body.items[0].testId;
}

const server = await startBenchServer('postgres', 'flackyness_bench_history');
try {
  const big = await createBenchProject(server, 'big');
  const small = await createBenchProject(server, 'small');
  const empty = await createBenchProject(server, 'empty');
  const sql = server.database.sql;

  const began = performance.now();
  log(`filling ${BIG_TESTS} tests × ${RUNS} runs …`);
  await fillHistory(sql, {
    projectId: big.id,
    tests: BIG_TESTS,
    runs: RUNS,
    days: DAYS,
    windowDays: 30,
    log,
  });
  const fillSeconds = (performance.now() - began) / 1000;
  // Every test of the small project flaky-prone: its flaky-tests page is full too (49 of 50 tests;
  // one always fails), each item with as many results in the window as the big project's.
  await fillHistory(sql, {
    projectId: small.id,
    tests: 50,
    runs: RUNS,
    days: DAYS,
    windowDays: 30,
    flakyEvery: 1,
  });
  const [counts] = await sql<{ big: number; small: number; partitions: number }[]>`
    select (select count(*)::int from test_results where project_id = ${big.id}) as big,
      (select count(*)::int from test_results where project_id = ${small.id}) as small,
      (select count(*)::int from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname = 'test_results') as partitions`;
  log(
    `filled in ${fillSeconds.toFixed(0)} s: ${counts!.big} results (big), ${counts!.small} (small), ${counts!.partitions} partitions`,
  );

  // (a) Uploads: the empty project gets one unmeasured upload first, so both upload known tests.
  await timedUpload(server, empty.token, 0, 'warm-empty');
  await timedUpload(server, big.token, 0, 'warm-big');
  const upBig: number[] = [];
  const upEmpty: number[] = [];
  for (let round = 1; round <= UPLOAD_ROUNDS; round++) {
    upBig.push(await timedUpload(server, big.token, round, 'big'));
    upEmpty.push(await timedUpload(server, empty.token, round, 'empty'));
  }

  // (b) Reads, alternating between the two sizes so drift affects both alike.
  const bigTest = await flakyTestId(server, big.slug);
  const smallTest = await flakyTestId(server, small.slug);
  const reads = {
    'flaky-tests page': (p: string) => `/api/v1/projects/${p}/flaky-tests`,
    'project stats': (p: string) => `/api/v1/projects/${p}/stats`,
    "a test's history": (p: string) =>
      `/api/v1/tests/${p === big.slug ? bigTest : smallTest}/history`,
  };
  const readRows: string[] = [];
  for (const [label, path] of Object.entries(reads)) {
    await timedGet(server, path(big.slug));
    await timedGet(server, path(small.slug));
    const atBig: number[] = [];
    const atSmall: number[] = [];
    for (let i = 0; i < READ_ROUNDS; i++) {
      atBig.push(await timedGet(server, path(big.slug)));
      atSmall.push(await timedGet(server, path(small.slug)));
    }
    readRows.push(
      `| ${label} | ${ms(median(atBig))} | ${ms(median(atSmall))} | ${(median(atBig) / median(atSmall)).toFixed(2)}× | ≤ 2 |`,
    );
  }

  console.log(
    `\nbench:history — ${counts!.big} results in ${counts!.partitions} partitions vs ${counts!.small}; PostgreSQL; medians`,
  );
  console.log('| measure | at 10M results | at 10k results / empty | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| 1,000-result upload (vs empty project) | ${ms(median(upBig))} | ${ms(median(upEmpty))} | ${(median(upBig) / median(upEmpty)).toFixed(2)}× | ≤ 1.3 |`,
  );
  for (const row of readRows) console.log(row);
} finally {
  await server.close();
}
