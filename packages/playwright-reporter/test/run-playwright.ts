import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { JSONReport } from '@playwright/test/reporter';

export interface RunPlaywrightOptions {
  /** Absolute path of the playwright.config.ts to run. */
  config: string;
  /** `--reporter` entries: built-in names or absolute paths, e.g. `['json', '/…/dist/esm/index.js']`.
   *  Add 'json' to get `jsonReport`; `[]` keeps the config's reporters. */
  reporters: string[];
  /** Added to the inherited environment; `undefined` removes a variable. FLACKYNESS_* and
   *  PLAYWRIGHT_JSON_* are never inherited, so the caller's shell cannot change a run. */
  env?: Record<string, string | undefined>;
  /** More CLI arguments, e.g. `['--grep', '@smoke', '--project', 'alpha']`. */
  args?: string[];
  /** Working directory; the config's directory by default. */
  cwd?: string;
  /** The Playwright CLI to run; `@playwright/test/cli` as this package resolves it by default. */
  cli?: string;
  /** Kills the run after this long (ms); 180 s by default. */
  timeoutMs?: number;
}

export interface PlaywrightRun {
  /** The runner's exit code (null when it was killed). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The JSON reporter's report, when 'json' was among the reporters and it wrote one. */
  jsonReport: JSONReport | undefined;
  durationMs: number;
}

const require = createRequire(import.meta.url);

/**
 * Runs the real Playwright CLI (`playwright test`) on a config with the given reporters. Test
 * output (test-results) and the JSON report go to a temporary folder, removed afterwards, so
 * nothing is written next to the specs. Asynchronous on purpose: a capture server in the calling
 * process keeps answering while the run goes on.
 */
export async function runPlaywright(options: RunPlaywrightOptions): Promise<PlaywrightRun> {
  const cli = options.cli ?? require.resolve('@playwright/test/cli');
  const scratch = await mkdtemp(join(tmpdir(), 'flackyness-pw-'));
  const reportFile = join(scratch, 'report.json');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(FLACKYNESS_|PLAYWRIGHT_JSON_)/.test(key)) continue;
    env[key] = value;
  }
  env.PLAYWRIGHT_JSON_OUTPUT_NAME = reportFile;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const args = [
    cli,
    'test',
    '--config',
    options.config,
    ...(options.reporters.length ? [`--reporter=${options.reporters.join(',')}`] : []),
    '--output',
    join(scratch, 'test-results'),
    ...(options.args ?? []),
  ];
  const started = Date.now();
  try {
    const { exitCode, stdout, stderr } = await new Promise<{
      exitCode: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: options.cwd ?? dirname(options.config),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, stdout, stderr });
      });
    });
    let jsonReport: JSONReport | undefined;
    try {
      jsonReport = JSON.parse(await readFile(reportFile, 'utf8')) as JSONReport;
    } catch {
      jsonReport = undefined;
    }
    return { exitCode, stdout, stderr, jsonReport, durationMs: Date.now() - started };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
