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

// The tests' own reports, read back to print one plain closing line ("N passed, N failed").
const reportDir = mkdtempSync(join(tmpdir(), 'flackyness-test-'));

function run(command, args) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

// The pnpm running this script (npx pnpm@… on a machine without a global pnpm) runs the tests too.
const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['pnpm'];

function vitest(pkg, vitestProjects, reportName) {
  return run(pnpm[0], [
    ...pnpm.slice(1),
    '--filter',
    pkg,
    'exec',
    'vitest',
    'run',
    ...vitestProjects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${join(reportDir, reportName)}`,
  ]);
}

// The dashboard's browser tests drive Debian's Chromium against the real server and its build.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dashboardProjects = ['unit'];
if (existsSync(chromium)) {
  dashboardProjects.push('browser');
} else {
  console.error(
    `\n!! Chromium is not at ${chromium}: the dashboard's browser tests were SKIPPED.\n` +
      '!! Install it (apt-get install -y chromium) or set CHROMIUM_PATH.\n',
  );
  if (process.env.CI) {
    console.error('Under CI skipped browser tests are a failure.');
    process.exit(1);
  }
}

// The reporter's tests and the API's live-run tests run the real Playwright CLI with the built
// package, so it is built first.
const statuses = [
  run(pnpm[0], [...pnpm.slice(1), '--filter', '@flackyness/playwright-reporter', 'build']),
];
statuses.push(vitest('@flackyness/api', projects, 'api.json'));
statuses.push(run(pnpm[0], [...pnpm.slice(1), '--filter', '@flackyness/dashboard', 'build']));
statuses.push(vitest('@flackyness/dashboard', dashboardProjects, 'dashboard.json'));
statuses.push(vitest('@flackyness/playwright-reporter', [], 'playwright-reporter.json'));

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const name of ['api.json', 'dashboard.json', 'playwright-reporter.json']) {
  const file = join(reportDir, name);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`\nTests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
rmSync(reportDir, { recursive: true, force: true });
process.exit(statuses.find((status) => status !== 0) ?? 0);
