import { createBenchProject, median, type BenchProject, type BenchServer } from './bench-env.ts';
import { fillHistory } from './fill-history.ts';

/**
 * The two projects the history benchmarks compare (bench:history, bench:dashboard): a big one of
 * 10 million results (50,000 tests × 200 runs over 180 days) and a small one of 10,000 (50 tests ×
 * 200 runs). BENCH_HISTORY_TESTS / BENCH_HISTORY_RUNS shrink the big project for a quick try.
 */

const BIG_TESTS = Number(process.env.BENCH_HISTORY_TESTS ?? 50_000);
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 200);
const DAYS = 180;

export interface HistoryProjects {
  big: BenchProject;
  small: BenchProject;
  /** Results stored in each, and the partitions of test_results they span. */
  results: { big: number; small: number; partitions: number };
  fillSeconds: number;
}

export async function fillHistoryProjects(
  server: BenchServer,
  log: (m: string) => void,
): Promise<HistoryProjects> {
  const big = await createBenchProject(server, 'big');
  const small = await createBenchProject(server, 'small');
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
  const [results] = await sql<{ big: number; small: number; partitions: number }[]>`
    select (select count(*)::int from test_results where project_id = ${big.id}) as big,
      (select count(*)::int from test_results where project_id = ${small.id}) as small,
      (select count(*)::int from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname = 'test_results') as partitions`;
  log(
    `filled in ${fillSeconds.toFixed(0)} s: ${results!.big} results (big), ${results!.small} (small), ${results!.partitions} partitions`,
  );
  return { big, small, results: results!, fillSeconds };
}

/** The first test of the project's flaky-tests page. */
export async function flakyTestId(server: BenchServer, project: string): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/v1/projects/${project}/flaky-tests?limit=1`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  const body = (await response.json()) as { items: { testId: string }[] };
  if (!body.items[0]) throw new Error(`no flaky test in ${project}`);
  return body.items[0].testId;
}

export interface SizedRead {
  label: string;
  big: string;
  small: string;
}

/**
 * Times each read at both sizes: one warm-up each, then `rounds` rounds alternating between the
 * sizes so that drift affects both alike. Answers medians in milliseconds.
 */
export async function compareSizes(
  reads: SizedRead[],
  timeRead: (path: string) => Promise<number>,
  rounds: number,
): Promise<{ label: string; big: number; small: number }[]> {
  const medians: { label: string; big: number; small: number }[] = [];
  for (const read of reads) {
    await timeRead(read.big);
    await timeRead(read.small);
    const atBig: number[] = [];
    const atSmall: number[] = [];
    for (let i = 0; i < rounds; i++) {
      atBig.push(await timeRead(read.big));
      atSmall.push(await timeRead(read.small));
    }
    medians.push({ label: read.label, big: median(atBig), small: median(atSmall) });
  }
  return medians;
}
