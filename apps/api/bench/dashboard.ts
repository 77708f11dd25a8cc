/**
 * pnpm bench:dashboard — the dashboard at 10 million results, served as `pnpm start` serves it
 * (its adapter-node build on the API's port, its server-side reads reaching the API in process):
 *  (a) server-side render time of the overview, flaky-tests and test pages, the whole HTML read,
 *      in a project of 10 million results vs one of 10,000 (the projects of bench:history)
 *      (target ratio ≤ 2 each), and the API reads each page's load makes, timed alone;
 *  (b) the JavaScript each page makes the browser fetch, gzipped (target ≤ 250 KB for the
 *      flaky-tests page; ECharts only on pages that draw a chart), in Debian's Chromium.
 * The dashboard must be built first (the root script does). PostgreSQL only, as bench:history.
 * BENCH_HISTORY_TESTS / BENCH_HISTORY_RUNS shrink the big project for a quick try.
 */
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ms, startBenchServer, timeGet, type BenchServer } from './bench-env.ts';
import {
  compareSizes,
  fillHistoryProjects,
  flakyTestId,
  type SizedRead,
} from './history-projects.ts';

const ROUNDS = 30;
const SESSION_COOKIE = 'flk_session';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const log = (m: string) => process.stderr.write(`${m}\n`);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function logIn(server: BenchServer): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.adminToken }),
  });
  if (response.status !== 201) throw new Error(`login answered ${response.status}`);
  return ((await response.json()) as { session: string }).session;
}

interface PageScripts {
  scripts: number;
  bytes: number;
  gzipped: number;
  /** What the server sent for them (its precompressed files), and in which encodings. */
  transferred: number;
  encodings: string;
  echarts: boolean;
}

/** Every script a fresh browser fetches to show the page, until the network is idle. */
async function measureScripts(
  server: BenchServer,
  session: string,
  paths: string[],
): Promise<PageScripts[]> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const measured: PageScripts[] = [];
    for (const path of paths) {
      // A context per page: an empty cache, so each page fetches all it needs.
      const context = await browser.newContext();
      await context.addCookies([{ name: SESSION_COOKIE, value: session, url: server.baseUrl }]);
      const page = await context.newPage();
      const sizes: Promise<{ body: Buffer; transferred: number; encoding: string }>[] = [];
      page.on('response', (response) => {
        if (response.request().resourceType() !== 'script') return;
        sizes.push(
          Promise.all([response.body(), response.request().sizes()]).then(([body, size]) => ({
            body,
            transferred: size.responseBodySize,
            encoding: response.headers()['content-encoding'] ?? 'identity',
          })),
        );
      });
      await page.goto(`${server.baseUrl}${path}`, { waitUntil: 'networkidle' });
      if (new URL(page.url()).pathname !== path) throw new Error(`${path} went to ${page.url()}`);
      const bodies = await Promise.all(sizes);
      measured.push({
        scripts: bodies.length,
        bytes: bodies.reduce((sum, { body }) => sum + body.length, 0),
        gzipped: bodies.reduce((sum, { body }) => sum + gzipSync(body).length, 0),
        transferred: bodies.reduce((sum, { transferred }) => sum + transferred, 0),
        encodings: [...new Set(bodies.map(({ encoding }) => encoding))].join(', '),
        // ECharts' own messages start with "[ECharts]"; no other code the dashboard ships has it.
        echarts: bodies.some(({ body }) => body.includes('[ECharts]')),
      });
      await context.close();
    }
    return measured;
  } finally {
    await browser.close();
  }
}

const server = await startBenchServer('postgres', 'flackyness_bench_dashboard', {
  dashboard: true,
});
try {
  const { big, small, results } = await fillHistoryProjects(server, log);
  const bigTest = await flakyTestId(server, big.slug);
  const smallTest = await flakyTestId(server, small.slug);
  const session = await logIn(server);

  const pages: SizedRead[] = [
    { label: 'overview', big: `/projects/${big.slug}`, small: `/projects/${small.slug}` },
    {
      label: 'flaky tests',
      big: `/projects/${big.slug}/flaky`,
      small: `/projects/${small.slug}/flaky`,
    },
    { label: 'test', big: `/tests/${bigTest}`, small: `/tests/${smallTest}` },
  ];
  log('rendering pages …');
  const rendered = await compareSizes(
    pages,
    (path) => timeGet(server, path, { cookie: `${SESSION_COOKIE}=${session}` }),
    ROUNDS,
  );

  // The reads each page's load functions make (the layout's two on every page), with the same
  // queries, so a page's ratio can be traced to the read that makes it.
  const read = (label: string, path: (project: string, test: string) => string): SizedRead => ({
    label,
    big: `/api/v1${path(big.slug, bigTest)}`,
    small: `/api/v1${path(small.slug, smallTest)}`,
  });
  log('timing the API reads behind them …');
  const reads = await compareSizes(
    [
      read('every page: session', () => '/session'),
      read('every page: projects', () => '/projects'),
      read('overview, flaky tests: project', (p) => `/projects/${p}`),
      read('overview: stats (default window)', (p) => `/projects/${p}/stats`),
      read('overview: trend, 91 days (calendar)', (p) => `/projects/${p}/trend?days=91`),
      read(
        'flaky tests: first 50 active',
        (p) => `/projects/${p}/flaky-tests?status=active&sort=flakeRate&limit=50`,
      ),
      read('test: detail', (_, t) => `/tests/${t}`),
      read('test: history, 100 results', (_, t) => `/tests/${t}/history?limit=100`),
      read('test: error groups', (_, t) => `/tests/${t}/errors`),
    ],
    (path) => timeGet(server, path, { authorization: `Bearer ${session}` }),
    ROUNDS,
  );

  log('loading pages in Chromium …');
  const scripts = await measureScripts(
    server,
    session,
    pages.map((page) => page.small),
  );

  console.log(
    `\nbench:dashboard — ${results.big} results in ${results.partitions} partitions vs ${results.small}; PostgreSQL; medians of ${ROUNDS}`,
  );
  console.log('| page (server-side render) | at 10M results | at 10k results | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const page of rendered) {
    console.log(
      `| ${page.label} | ${ms(page.big)} | ${ms(page.small)} | ${(page.big / page.small).toFixed(2)}× | ≤ 2 |`,
    );
  }
  console.log('\n| API read behind a page | at 10M results | at 10k results | ratio |');
  console.log('|---|---|---|---|');
  for (const apiRead of reads) {
    console.log(
      `| ${apiRead.label} | ${ms(apiRead.big)} | ${ms(apiRead.small)} | ${(apiRead.big / apiRead.small).toFixed(2)}× |`,
    );
  }
  // The scripts do not depend on the data: a page's code is the same at any size.
  console.log(
    '\n| page (JavaScript fetched) | scripts | uncompressed | gzipped | as sent | ECharts | target |',
  );
  console.log('|---|---|---|---|---|---|---|');
  pages.forEach((page, i) => {
    const s = scripts[i]!;
    console.log(
      `| ${page.label} | ${s.scripts} | ${kb(s.bytes)} | ${kb(s.gzipped)} | ${kb(s.transferred)} (${s.encodings}) | ${s.echarts ? 'loaded' : 'not loaded'} | ${page.label === 'flaky tests' ? '≤ 250 KB gzipped' : ''} |`,
    );
  });
} finally {
  await server.close();
}
