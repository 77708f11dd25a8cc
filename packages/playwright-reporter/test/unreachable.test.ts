import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer } from './capture-server.ts';
import type { CaptureServer } from './capture-server.ts';
import { builtCjs, builtEsm, fixtureConfig } from './paths.ts';
import { runPlaywright } from './run-playwright.ts';
import type { PlaywrightRun } from './run-playwright.ts';

/** One passing test of the fixture, so a changed exit code would show as 1. */
const onePassingTest = ['--grep', '@smoke', '--project', 'alpha'];

function flackynessLines(run: PlaywrightRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('Flackyness:'));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a run the server cannot take', () => {
  let hanging: CaptureServer;
  let runs: Record<'closed' | 'hang', PlaywrightRun>;

  beforeAll(async () => {
    hanging = await startCaptureServer((request) =>
      request.path === '/api/v1/ingest/setup' ? undefined : 'hang',
    );
    const port = await closedPort();
    const run = (reporter: string, env: Record<string, string>) =>
      runPlaywright({ config: fixtureConfig, reporters: [reporter], args: onePassingTest, env });
    // A refused token is covered by the unit tests (live-session.test.ts), no url by the
    // package test (pack.test.ts): each run here costs a Playwright start.
    const [closed, hang] = await Promise.all([
      run(builtCjs, { FLACKYNESS_URL: `http://127.0.0.1:${port}`, FLACKYNESS_TOKEN: 't' }),
      run(builtEsm, {
        FLACKYNESS_URL: hanging.url,
        FLACKYNESS_TOKEN: 't',
        FLACKYNESS_TIMEOUT_MS: '1500',
        FLACKYNESS_FLUSH_INTERVAL_MS: '100',
      }),
    ]);
    runs = { closed: closed!, hang: hang! };
  });

  afterAll(async () => {
    await hanging?.close();
  });

  it('with the port closed, warns once and the run passes (CommonJS build)', () => {
    expect(runs.closed.exitCode).toBe(0);
    const lines = flackynessLines(runs.closed);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Flackyness: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED.*live results are not sent\.$/,
    );
  });

  it('with the server hanging, gives up at the deadline with one warning', () => {
    expect(runs.hang.exitCode).toBe(0);
    const lines = flackynessLines(runs.hang);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the live run is incomplete');
    expect(hanging.requestsTo('event').length).toBeGreaterThan(0);
  });
});
