/**
 * pnpm bench:ingest — uploads a 10,000-result Playwright report over HTTP and, in the same run,
 * COPYs the same rows into the same tables; prints both times and their ratio, on PostgreSQL and
 * on embedded PGlite. Target (issue #2): upload ≤ 2.5 × raw COPY on PostgreSQL.
 *
 * "The same rows": after each upload, every row it wrote (run, part, tests when new, results, and
 * the flakiness aggregates it maintains) is read back with COPY … TO STDOUT; the timed baseline
 * COPYs exactly those rows into the same tables of an empty mirror database. A second baseline
 * COPYs only the tests and results rows, for comparison with raw result storage alone.
 * PGlite's socket does not serve COPY FROM STDIN, so on the embedded database the baseline inserts
 * the same rows with one INSERT … SELECT FROM json_populate_recordset per table instead.
 */
import type postgres from 'postgres';
import type { Sql } from '../src/db/client.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createPartitionsAhead } from '../src/db/partitions.ts';
import {
  createBenchProject,
  median,
  ms,
  createScratchDatabase,
  startBenchServer,
  type BenchServer,
} from './bench-env.ts';
import { syntheticReport } from './synthetic-report.ts';

const TESTS = Number(process.env.BENCH_TESTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const modes = (process.env.BENCH_MODES ?? 'postgres,embedded').split(',') as (
  'postgres' | 'embedded'
)[];

/** Before each timed step, a full GC (with --expose-gc): no step pays for the previous one's garbage. */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function upload(
  server: BenchServer,
  token: string,
  body: Buffer,
  pipeline: string,
  commit: string,
) {
  const began = performance.now();
  const response = await fetch(
    `${server.baseUrl}/api/v1/reports?branch=main&commit=${commit}&pipeline=${pipeline}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    },
  );
  const answer = (await response.json()) as { run: { id: string } };
  const elapsed = performance.now() - began;
  if (response.status !== 201)
    throw new Error(`upload answered ${response.status}: ${JSON.stringify(answer)}`);
  return { elapsed, runId: answer.run.id };
}

/** Rows of one table, selected by a WHERE clause: COPY text (PostgreSQL) or a JSON array (PGlite). */
interface TableRows {
  table: string;
  text: Buffer;
}

let useCopy = true;

/**
 * Read with a client of its own each time (untimed): postgres.js stalls on the next query after
 * some COPY … TO STDOUT streams on a reused connection.
 */
async function readRows(database: Database, table: string, where: string): Promise<TableRows> {
  const sql = database.connect({ max: 1 });
  try {
    if (!useCopy) {
      const [row] = await sql.unsafe(
        `select coalesce(json_agg(t), '[]')::text as rows from ${table} t where ${where}`,
      );
      return { table, text: Buffer.from((row as unknown as { rows: string }).rows) };
    }
    const stream = await sql
      .unsafe(`copy (select * from ${table} where ${where}) to stdout`)
      .readable();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { table, text: Buffer.concat(chunks) };
  } finally {
    await sql.end();
  }
}

async function copyIn(sql: Sql | postgres.TransactionSql, rows: TableRows): Promise<void> {
  if (rows.text.length === 0) return;
  if (!useCopy) {
    await sql.unsafe(
      `insert into ${rows.table} overriding system value select * from json_populate_recordset(null::${rows.table}, $1::text::json)`,
      [rows.text.toString()],
    );
    return;
  }
  const stream = await sql.unsafe(`copy ${rows.table} from stdin`).writable();
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(rows.text);
  });
}

/** Times COPY of `written` (in order, one transaction) into the mirror, after `setup` (untimed). */
async function timeCopy(mirror: Sql, setup: TableRows[], written: TableRows[]): Promise<number> {
  await mirror.unsafe(
    'truncate projects, tests, runs, run_parts, test_results, test_daily_stats, project_daily_stats, test_commit_stats, test_stats, project_windows cascade',
  );
  for (const rows of setup) await copyIn(mirror, rows);
  settle();
  const began = performance.now();
  await mirror.begin(async (tx) => {
    for (const rows of written) await copyIn(tx, rows);
  });
  return performance.now() - began;
}

async function benchMode(mode: 'postgres' | 'embedded') {
  useCopy = mode === 'postgres';
  const server = await startBenchServer(mode, 'flackyness_bench_ingest');
  const mirrorName = 'flackyness_bench_mirror';
  let dropMirror = async () => {};
  let mirrorUrl: string | undefined;
  if (mode === 'postgres') {
    const scratch = await createScratchDatabase(mirrorName);
    mirrorUrl = scratch.url;
    dropMirror = scratch.drop;
  }
  const mirrorDb = await openDatabase({ url: mirrorUrl, dataDir: null });
  await runMigrations(mirrorDb);
  await createPartitionsAhead(mirrorDb.sql, 2);
  const mirror = mirrorDb.connect({ noDelay: true });
  const source = server.database;
  const rounds = mode === 'embedded' ? Math.min(ROUNDS, 3) : ROUNDS;
  const r = {
    firstUp: [] as number[],
    firstAll: [] as number[],
    firstRaw: [] as number[],
    laterUp: [] as number[],
    laterAll: [] as number[],
    laterRaw: [] as number[],
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      // Round 0 warms up JIT, prepared statements and caches; it is not counted.
      const project = await createBenchProject(server, `bench-${round}`);
      const first = Buffer.from(
        JSON.stringify(
          syntheticReport({
            tests: TESTS,
            startTime: new Date(Date.now() - 7200_000),
            runIndex: round,
          }),
        ),
      );
      const later = Buffer.from(
        JSON.stringify(
          syntheticReport({
            tests: TESTS,
            startTime: new Date(Date.now() - 3600_000),
            runIndex: round + 1,
          }),
        ),
      );
      const p = `project_id = ${project.id}`;

      settle();
      const one = await upload(server, project.token, first, `p${round}a`, `c${round}a`);
      const projectRow = await readRows(source, 'projects', `id = ${project.id}`);
      const tests = await readRows(source, 'tests', p);
      const runRows = await readRows(source, 'runs', `id = ${one.runId}`);
      const partRows = await readRows(source, 'run_parts', `run_id = ${one.runId}`);
      const results = await readRows(source, 'test_results', `run_id = ${one.runId}`);
      const aggregates = [
        await readRows(source, 'test_daily_stats', p),
        await readRows(source, 'project_daily_stats', p),
        await readRows(source, 'test_commit_stats', p),
        await readRows(source, 'test_stats', p),
        await readRows(source, 'project_windows', p),
      ];
      const firstAll = await timeCopy(
        mirror,
        [projectRow],
        [tests, runRows, partRows, results, ...aggregates],
      );
      const firstRaw = await timeCopy(mirror, [projectRow], [tests, runRows, partRows, results]);

      settle();
      const two = await upload(server, project.token, later, `p${round}b`, `c${round}b`);
      const laterWritten = [
        await readRows(source, 'runs', `id = ${two.runId}`),
        await readRows(source, 'run_parts', `run_id = ${two.runId}`),
        await readRows(source, 'test_results', `run_id = ${two.runId}`),
        await readRows(source, 'test_daily_stats', p),
        await readRows(source, 'project_daily_stats', p),
        await readRows(source, 'test_commit_stats', `${p} and commit = 'c${round}b'`),
        await readRows(source, 'test_stats', p),
      ];
      const laterAll = await timeCopy(mirror, [projectRow, tests], laterWritten);
      const laterRaw = await timeCopy(mirror, [projectRow, tests], laterWritten.slice(0, 3));
      if (round === 0) continue;
      r.firstUp.push(one.elapsed);
      r.firstAll.push(firstAll);
      r.firstRaw.push(firstRaw);
      r.laterUp.push(two.elapsed);
      r.laterAll.push(laterAll);
      r.laterRaw.push(laterRaw);
      process.stderr.write(
        `  ${mode} round ${round}/${rounds}: upload ${ms(one.elapsed)} / ${ms(two.elapsed)}\n`,
      );
    }
  } finally {
    await mirror.end();
    await mirrorDb.close();
    await dropMirror();
    await server.close();
  }
  const line = (label: string, up: number[], all: number[], raw: number[]) =>
    `| ${mode} | ${label} | ${ms(median(up))} | ${ms(median(all))} | ${(median(up) / median(all)).toFixed(2)}× | ${ms(median(raw))} | ${(median(up) / median(raw)).toFixed(2)}× |`;
  return [
    line(`first run (${TESTS} new tests)`, r.firstUp, r.firstAll, r.firstRaw),
    line('later run (known tests)', r.laterUp, r.laterAll, r.laterRaw),
  ];
}

const lines: string[] = [];
for (const mode of modes) lines.push(...(await benchMode(mode)));
console.log(
  `\nbench:ingest — ${TESTS} results per report; medians of ${ROUNDS} rounds (embedded: ≤ 3), after a warm-up round`,
);
console.log(
  '| database | case | upload (HTTP) | COPY same rows | ratio | COPY tests+results only | ratio |',
);
console.log('|---|---|---|---|---|---|---|');
for (const line of lines) console.log(line);
console.log('Target: upload ≤ 2.5 × COPY of the same rows, on PostgreSQL.');
