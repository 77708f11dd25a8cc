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
  timeGet,
  uploadWithCurl,
  type BenchServer,
} from './bench-env.ts';
import { compareSizes, fillHistoryProjects, flakyTestId } from './history-projects.ts';
import { syntheticReport } from './synthetic-report.ts';

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

const server = await startBenchServer('postgres', 'flackyness_bench_history');
try {
  const { big, small, results } = await fillHistoryProjects(server, log);
  const empty = await createBenchProject(server, 'empty');

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
  const admin = { authorization: `Bearer ${server.adminToken}` };
  const reads = await compareSizes(
    [
      {
        label: 'flaky-tests page',
        big: `/api/v1/projects/${big.slug}/flaky-tests`,
        small: `/api/v1/projects/${small.slug}/flaky-tests`,
      },
      {
        label: 'project stats',
        big: `/api/v1/projects/${big.slug}/stats`,
        small: `/api/v1/projects/${small.slug}/stats`,
      },
      {
        label: "a test's history",
        big: `/api/v1/tests/${bigTest}/history`,
        small: `/api/v1/tests/${smallTest}/history`,
      },
    ],
    (path) => timeGet(server, path, admin),
    READ_ROUNDS,
  );

  console.log(
    `\nbench:history — ${results.big} results in ${results.partitions} partitions vs ${results.small}; PostgreSQL; medians`,
  );
  console.log('| measure | at 10M results | at 10k results / empty | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| 1,000-result upload (vs empty project) | ${ms(median(upBig))} | ${ms(median(upEmpty))} | ${(median(upBig) / median(upEmpty)).toFixed(2)}× | ≤ 1.3 |`,
  );
  for (const read of reads) {
    console.log(
      `| ${read.label} | ${ms(read.big)} | ${ms(read.small)} | ${(read.big / read.small).toFixed(2)}× | ≤ 2 |`,
    );
  }
} finally {
  await server.close();
}
