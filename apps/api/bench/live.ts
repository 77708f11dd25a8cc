/**
 * pnpm bench:live — live runs (DESIGN.md §6), on PostgreSQL as deployed:
 *  (a) the reporter's cost to a test run: the real Playwright CLI on 2,000 quick tests (2 workers)
 *      with only the `list` reporter, and with `list` plus @flackyness/playwright-reporter
 *      streaming to a local server; median wall time of ROUNDS alternating runs each
 *      (target ratio ≤ 1.05);
 *  (b) SSE fan-out: 200 clients on one run while batches of events are posted; the time from a
 *      batch's POST to its arrival at each client, p50/p99 (target p99 ≤ 250 ms), and the events
 *      delivered per second.
 * BENCH_LIVE_PART=a|b runs one part; BENCH_LIVE_CLIENTS, BENCH_LIVE_RATE (batches/s),
 * BENCH_LIVE_BATCH (events per batch), BENCH_LIVE_SECONDS and BENCH_LIVE_TESTS change the load.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBenchProject, median, startBenchServer, type BenchServer } from './bench-env.ts';

const log = (m: string) => process.stderr.write(`${m}\n`);
const part = process.env.BENCH_LIVE_PART ?? 'ab';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const reporterDir = join(repoRoot, 'packages/playwright-reporter');
const playwrightCli = createRequire(import.meta.url).resolve('@playwright/test/cli');

async function setupSession(server: BenchServer, token: string, totalTests: number) {
  const response = await fetch(`${server.baseUrl}/api/v1/ingest/setup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ framework: 'playwright', reporterVersion: 'bench', totalTests }),
  });
  if (response.status !== 201) throw new Error(`setup: ${response.status}`);
  return (await response.json()) as { sessionId: string; runId: string };
}

/** (b) */
async function sseFanOut(server: BenchServer): Promise<void> {
  const clients = env('BENCH_LIVE_CLIENTS', 200);
  const rate = env('BENCH_LIVE_RATE', 10);
  const batch = env('BENCH_LIVE_BATCH', 20);
  const seconds = env('BENCH_LIVE_SECONDS', 20);
  const project = await createBenchProject(server, 'Live SSE');
  const { sessionId, runId } = await setupSession(server, project.token, 0);
  log(`(b) ${clients} SSE clients, ${rate} batches/s × ${batch} events for ${seconds} s`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./live-sse-clients.ts', import.meta.url)),
      server.baseUrl,
      project.token,
      sessionId,
      runId,
      String(clients),
      String(rate),
      String(batch),
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`the SSE clients failed (${code})`);
  const result = JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, number>;
  const p99 = result.p99 as number;
  const lost = (result.expectedDeliveries as number) - (result.eventsDelivered as number);
  console.log('\n(b) SSE fan-out: 200 clients on one live run');
  console.log(
    `  events posted ${result.eventsPosted} (${(result.eventsPosted! / result.seconds!).toFixed(0)}/s)` +
      `, delivered ${result.eventsDelivered} (${(result.eventsDelivered! / result.seconds!).toFixed(0)}/s over ${result.clients} clients)` +
      `, not delivered ${lost}`,
  );
  console.log(
    `  POST → client latency: p50 ${result.p50!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${result.max!.toFixed(1)} ms` +
      `  (target p99 ≤ 250 ms: ${p99 <= 250 ? 'met' : 'NOT met'})`,
  );
}

/** CPU time of every PostgreSQL process on this machine so far (ms), from /proc. */
function postgresCpuMs(): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** A Playwright project of `tests` quick tests in 20 files. */
function quickSuite(dir: string, tests: number, reporterPath: string): string {
  mkdirSync(join(dir, 'tests'), { recursive: true });
  const files = 20;
  for (let f = 0; f < files; f++) {
    const lines = ["import { test, expect } from '@playwright/test';"];
    for (let i = f; i < tests; i += files) {
      lines.push(
        `test('quick ${i}', () => { console.log('test ${i}'); expect(${i} + 1).toBe(${i + 1}); });`,
      );
    }
    writeFileSync(join(dir, 'tests', `quick-${f}.spec.ts`), `${lines.join('\n')}\n`);
  }
  const config = join(dir, 'playwright.config.ts');
  writeFileSync(
    config,
    `import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: './tests',
  workers: 2,
  reporter: process.env.BENCH_WITH_FLACKYNESS
    ? [['list'], [${JSON.stringify(reporterPath)}]]
    : [['list']],
});
`,
  );
  return config;
}

async function runPlaywright(config: string, extraEnv: Record<string, string>): Promise<number> {
  const began = performance.now();
  const child = spawn(process.execPath, [playwrightCli, 'test', '-c', config], {
    env: { ...process.env, ...extraEnv, CI: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`playwright exited ${code}: ${stderr}`);
  return performance.now() - began;
}

/** (a) */
async function reporterOverhead(server: BenchServer): Promise<void> {
  const entry = join(reporterDir, 'dist/cjs/index.js');
  if (!existsSync(entry)) {
    log('building the reporter');
    execFileSync('pnpm', ['--filter', '@flackyness/playwright-reporter', 'build'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
  }
  const tests = env('BENCH_LIVE_TESTS', 2000);
  const rounds = env('BENCH_LIVE_ROUNDS', 3);
  const project = await createBenchProject(server, 'Live reporter');
  const dir = mkdtempSync(join(tmpdir(), 'flackyness-bench-live-'));
  try {
    const config = quickSuite(dir, tests, entry);
    log(`(a) ${tests} tests, 2 workers, ${rounds} rounds of each`);
    await runPlaywright(config, {}); // warm-up: transpile cache, disk cache
    const plain: number[] = [];
    const streamed: number[] = [];
    const serverCpu: number[] = [];
    const databaseCpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
      plain.push(await runPlaywright(config, {}));
      const cpu = process.cpuUsage();
      const dbCpu = postgresCpuMs();
      streamed.push(
        await runPlaywright(config, {
          BENCH_WITH_FLACKYNESS: '1',
          FLACKYNESS_URL: server.baseUrl,
          FLACKYNESS_TOKEN: project.token,
        }),
      );
      const used = process.cpuUsage(cpu);
      serverCpu.push((used.user + used.system) / 1000);
      databaseCpu.push(postgresCpuMs() - dbCpu);
      log(
        `  round ${round + 1}: list ${plain.at(-1)!.toFixed(0)} ms, list + flackyness ${streamed.at(-1)!.toFixed(0)} ms`,
      );
    }
    const [runs] = await server.database.sql<{ count: number }[]>`
      select count(*)::int as count from runs where project_id = ${project.id} and status <> 'running'`;
    const ratio = median(streamed) / median(plain);
    console.log('\n(a) the reporter in a real Playwright run (2,000 quick tests, 2 workers)');
    console.log(
      `  CPU the server spent on a streamed run (median): API process ${median(serverCpu).toFixed(0)} ms, PostgreSQL ${median(databaseCpu).toFixed(0)} ms`,
    );
    console.log(
      `  median wall time: list ${median(plain).toFixed(0)} ms, list + @flackyness/playwright-reporter ${median(streamed).toFixed(0)} ms` +
        `, ratio ${ratio.toFixed(3)} (target ≤ 1.05: ${ratio <= 1.05 ? 'met' : 'NOT met'}); runs completed on the server: ${runs?.count}/${rounds}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer('postgres', 'live');
  try {
    if (part.includes('a')) await reporterOverhead(server);
    if (part.includes('b')) await sseFanOut(server);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
