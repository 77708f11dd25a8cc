/**
 * `pnpm bench:burst`: reads while a burst of large uploads arrives at once, as when the shards of
 * a pipeline end together. BURST_UPLOADS (20) reports of BURST_RESULTS (8,000) results are sent in
 * the same moment to one project, while BURST_READS_PER_SEC (100) API reads go on; it prints the
 * reads' p50/p99 while the burst lasts and how long the burst took, once per INGEST_CONCURRENCY
 * value in BURST_CONCURRENCY (default "0 2": 0 is no bound).
 */
import { startServer } from '../test/server-process.ts';
import { createScratchDatabase, percentile } from './bench-env.ts';
import { send } from './http-client.ts';
import { syntheticReport } from './synthetic-report.ts';

const UPLOADS = Number(process.env.BURST_UPLOADS ?? 20);
const RESULTS = Number(process.env.BURST_RESULTS ?? 8000);
const READS_PER_SEC = Number(process.env.BURST_READS_PER_SEC ?? 100);
const CONCURRENCY = (process.env.BURST_CONCURRENCY ?? '0 2').split(' ').filter(Boolean);
const ADMIN = 'burst-admin-token-0123456789';

async function measure(concurrency: string) {
  const scratch = await createScratchDatabase('flackyness_burst');
  const server = await startServer({
    nodeArgs: ['--max-semi-space-size=64'],
    env: {
      DATABASE_URL: scratch.url,
      ADMIN_TOKEN: ADMIN,
      SERVE_DASHBOARD: 'false',
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '20',
      INGEST_CONCURRENCY: concurrency,
    },
  });
  try {
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const created = await send(`${server.url}/api/v1/admin/projects`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Burst' }),
    });
    const { project, token } = created.json<{ project: { slug: string }; token: string }>();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const upload = (i: number, body: Buffer) =>
      send(`${server.url}/api/v1/reports?pipeline=burst-${i}&job=e2e&branch=main`, {
        method: 'POST',
        headers,
        body,
      });
    const body = (i: number) =>
      Buffer.from(
        JSON.stringify(
          syntheticReport({
            tests: RESULTS,
            startTime: new Date(Date.now() - 60_000),
            runIndex: i,
          }),
        ),
      );
    // The project's tests exist and the server is warm before the burst.
    for (let i = 0; i < 3; i++) await upload(i, body(i));
    const bodies = Array.from({ length: UPLOADS }, (_, i) => body(100 + i));

    const paths = ['flaky-tests?limit=50', 'runs?limit=50', 'stats', 'errors'].map(
      (path) => `${server.url}/api/v1/projects/${project.slug}/${path}`,
    );
    const latencies: number[] = [];
    let bursting = true;
    const reads = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; bursting; i++) {
        const began = performance.now();
        inFlight.push(
          send(paths[i % paths.length] as string, { headers: admin }).then(() => {
            latencies.push(performance.now() - began);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1000 / READS_PER_SEC));
      }
      await Promise.all(inFlight);
    })();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = latencies.length;
    const began = performance.now();
    const answers = await Promise.all(bodies.map((b, i) => upload(100 + i, b)));
    const took = performance.now() - began;
    bursting = false;
    await reads;
    const during = latencies.slice(before);
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    console.log(
      `INGEST_CONCURRENCY=${concurrency.padEnd(3)} burst ${(took / 1000).toFixed(1)} s (${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}); reads during it: ${during.length}, p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${percentile(during, 99).toFixed(1)} ms, max ${Math.max(...during).toFixed(0)} ms`,
    );
  } finally {
    await server.stop();
    await scratch.drop();
  }
}

console.log(
  `A burst of ${UPLOADS} uploads of ${RESULTS.toLocaleString('en')} results at once, ${READS_PER_SEC} reads a second meanwhile`,
);
for (const concurrency of CONCURRENCY) await measure(concurrency);
