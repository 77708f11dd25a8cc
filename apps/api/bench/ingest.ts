/**
 * pnpm bench:ingest — uploads a 10,000-result Playwright report over HTTP (with curl, as CI does)
 * and, in the same run,
 * COPYs the same rows into the same tables; prints both times and their ratio, on PostgreSQL and
 * on embedded PGlite. Target (issue #2): upload ≤ 2.5 × raw COPY on PostgreSQL.
 *
 * "The same rows": after each upload, every row it wrote (run, part, tests when new, results, and
 * the flakiness aggregates it maintains) is read back; the baseline COPYs exactly those rows, in
 * one transaction, committed (copy-baseline.ts). "The same tables": a mirror database that holds,
 * before each COPY, what the server's database held before that upload — so the COPY pays for
 * indexes of the same size. The uploads run first, one after another as CI sends them, and the
 * COPYs after them, so that neither disturbs the other's cache. For comparison: the same rows
 * COPYed into empty tables (the measure of earlier versions of this script), and only the tests
 * and results rows.
 */
import {
  createBenchProject,
  median,
  ms,
  startBenchServer,
  uploadWithCurl,
  type BenchServer,
} from './bench-env.ts';
import { CopyTarget, settle, type TableRows } from './copy-baseline.ts';
import { syntheticReport } from './synthetic-report.ts';

const TESTS = Number(process.env.BENCH_TESTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const modes = (process.env.BENCH_MODES ?? 'postgres,embedded').split(',') as (
  'postgres' | 'embedded'
)[];

async function upload(
  server: BenchServer,
  token: string,
  body: Buffer,
  pipeline: string,
  commit: string,
) {
  settle();
  const { elapsed, answer } = await uploadWithCurl(server, token, body, {
    branch: 'main',
    commit,
    pipeline,
  });
  return { elapsed, runId: answer.run.id };
}

const report = (round: number, hoursAgo: number) =>
  Buffer.from(
    JSON.stringify(
      syntheticReport({
        tests: TESTS,
        startTime: new Date(Date.now() - hoursAgo * 3600_000),
        runIndex: round,
      }),
    ),
  );

type Case = 'first' | 'later';
type Figures = Record<'upload' | 'same' | 'empty' | 'raw', number[]>;

/** What one upload wrote, read back: rows it added, and rows it updated in place. */
interface Written {
  stored: TableRows[];
  updated: TableRows[];
}

async function benchMode(mode: 'postgres' | 'embedded') {
  const rounds = mode === 'embedded' ? Math.min(ROUNDS, 3) : ROUNDS;
  const figures: Record<Case, Figures> = {
    first: { upload: [], same: [], empty: [], raw: [] },
    later: { upload: [], same: [], empty: [], raw: [] },
  };

  // The uploads, one after another as CI sends them; what each wrote is read back (untimed).
  const server = await startBenchServer(mode, 'flackyness_bench_ingest');
  const reader = await CopyTarget.scratch(mode, 'flackyness_bench_reader');
  const uploads: { project: TableRows; first: Written; later: Written }[] = [];
  try {
    for (let round = 0; round <= rounds; round++) {
      // Round 0 warms up JIT, prepared statements and caches; it is not counted.
      const project = await createBenchProject(server, `bench-${round}`);
      const p = `project_id = ${project.id}`;
      const read = (table: string, where: string) => reader.read(server.database, table, where);
      const written = async (runId: string, commit: string, tests: boolean): Promise<Written> => ({
        stored: [
          ...(tests ? [await read('tests', p)] : []),
          await read('runs', `id = ${runId}`),
          await read('run_parts', `run_id = ${runId}`),
          await read('test_results', `run_id = ${runId}`),
          await read('test_commit_stats', `${p} and commit = '${commit}'`),
        ],
        // All of the project's: the first upload inserts them, the later one updates them.
        updated: [
          await read('test_daily_stats', p),
          await read('project_daily_stats', p),
          await read('test_stats', p),
          await read('project_windows', p),
        ],
      });
      const one = await upload(server, project.token, report(round, 2), `p${round}a`, `c${round}a`);
      const first = await written(one.runId, `c${round}a`, true);
      const two = await upload(
        server,
        project.token,
        report(round + 1, 1),
        `p${round}b`,
        `c${round}b`,
      );
      const later = await written(two.runId, `c${round}b`, false);
      uploads.push({ project: await read('projects', `id = ${project.id}`), first, later });
      if (round > 0) {
        figures.first.upload.push(one.elapsed);
        figures.later.upload.push(two.elapsed);
      }
      process.stderr.write(
        `  ${mode} round ${round}: upload ${ms(one.elapsed)} / ${ms(two.elapsed)}\n`,
      );
    }
  } finally {
    await reader.close();
    await server.close();
  }

  // The same rows COPYed, one upload's after another, into a mirror that holds what the server
  // held before each upload: the earlier rounds, and for a later upload the first one's rows
  // (those it updated are taken out first, untimed).
  const same = await CopyTarget.scratch(mode, 'flackyness_bench_mirror');
  const empty = await CopyTarget.scratch(mode, 'flackyness_bench_empty');
  try {
    for (const [round, { project, first, later }] of uploads.entries()) {
      const counted = round > 0;
      const measure = async (c: Case, w: Written, setup: TableRows[]) => {
        const all = [...w.stored, ...w.updated];
        await same.remove(w.stored);
        const raw = await same.copy(w.stored.filter((r) => r.table !== 'test_commit_stats'));
        await same.remove(all);
        const sameTables = await same.copy(all);
        await empty.reset(setup);
        const emptyTables = await empty.copy(all);
        if (counted) {
          figures[c].same.push(sameTables);
          figures[c].empty.push(emptyTables);
          figures[c].raw.push(raw);
        }
        return sameTables;
      };
      await same.copy([project]);
      const a = await measure('first', first, [project]);
      const b = await measure('later', later, [project, first.stored[0] as TableRows]);
      process.stderr.write(`  ${mode} round ${round}: COPY ${ms(a)} / ${ms(b)}\n`);
    }
  } finally {
    await same.close();
    await empty.close();
  }

  const line = (label: string, f: Figures) => {
    const up = median(f.upload);
    const ratio = (base: number[]) => `${ms(median(base))} | ${(up / median(base)).toFixed(2)}×`;
    return `| ${mode} | ${label} | ${ms(up)} | ${ratio(f.same)} | ${ratio(f.empty)} | ${ratio(f.raw)} |`;
  };
  return [
    line(`first run (${TESTS} new tests)`, figures.first),
    line('later run (known tests)', figures.later),
  ];
}

const lines: string[] = [];
for (const mode of modes) lines.push(...(await benchMode(mode)));
console.log(
  `\nbench:ingest — ${TESTS} results per report; medians of ${ROUNDS} rounds (embedded: ≤ 3), after a warm-up round`,
);
console.log(
  '| database | case | upload (HTTP) | COPY same rows, same tables | ratio | same rows, empty tables | ratio | tests + results only | ratio |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const line of lines) console.log(line);
console.log('Target: upload ≤ 2.5 × COPY of the same rows into the same tables, on PostgreSQL.');
