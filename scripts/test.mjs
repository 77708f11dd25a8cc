#!/usr/bin/env node
// `pnpm test`: every test of the workspace. Database tests run twice, on embedded PGlite and on a
// real PostgreSQL server (TEST_DATABASE_URL, else the local one at 127.0.0.1:5432). When no server
// answers, the PostgreSQL mode is skipped with a loud warning locally, and fails under CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const hasPostgres = await reachable(url.hostname, url.port || '5432');
const projects = ['unit', 'embedded'];
if (hasPostgres) {
  projects.push('postgres');
} else {
  const banner = '!'.repeat(78);
  console.error(
    `\n${banner}\n!! PostgreSQL is not reachable at ${url.host}: the PostgreSQL mode was SKIPPED.\n` +
      `!! Start it, or set TEST_DATABASE_URL, to run the database tests on PostgreSQL too.\n${banner}\n`,
  );
  if (process.env.CI) {
    console.error('Under CI a skipped PostgreSQL mode is a failure.');
    process.exit(1);
  }
}

// The tests' own report, read back to print one plain closing line ("N passed, N failed").
const reportDir = mkdtempSync(join(tmpdir(), 'flackyness-test-'));
const reportFile = join(reportDir, 'vitest.json');

function run(command, args) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

// The pnpm running this script (npx pnpm@… on a machine without a global pnpm) runs the tests too.
const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
const status = run(pnpm[0], [
  ...pnpm.slice(1),
  '--filter',
  '@flackyness/api',
  'exec',
  'vitest',
  'run',
  ...projects.flatMap((p) => ['--project', p]),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
]);

if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  console.log(
    `\nTests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
  );
}
rmSync(reportDir, { recursive: true, force: true });
process.exit(status);
