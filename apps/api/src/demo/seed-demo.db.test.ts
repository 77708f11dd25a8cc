import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countProjectRows,
  createIsolatedDatabase,
  dbMode,
  startTestApp,
  type TestApp,
} from '../../test/harness.ts';
import { createLogger } from '../logger.ts';
import { seedDemo, type SeededDemo } from './seed-demo.ts';

/**
 * The demo seeding, read back through the HTTP API as the dashboard reads it: six weeks of runs on
 * several branches, active and resolved flaky tests, error groups, a sharded run; and a second
 * seeding that changes nothing. One seeding per database mode: it uploads about 110 reports.
 */

const DAY = 24 * 60 * 60 * 1000;
// A Wednesday afternoon: the history has working days, a weekend and today in it.
const now = new Date('2026-06-17T14:30:00.000Z');

let t: TestApp;
let seeded: SeededDemo;
// The demo project has a fixed slug: a database of its own, so no earlier run has one.
let isolated: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;

const seed = () =>
  seedDemo({
    database: t.database,
    config: t.config,
    now: () => now,
    logger: createLogger('silent'),
  });

beforeAll(async () => {
  isolated = dbMode === 'postgres' ? await createIsolatedDatabase() : undefined;
  t = await startTestApp({ now: () => now, ...(isolated ? { databaseUrl: isolated.url } : {}) });
  seeded = await seed();
});
afterAll(async () => {
  await t?.close();
  await isolated?.drop();
});

async function get<T>(path: string, token = t.adminToken): Promise<T> {
  const response = await t.request(path, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

interface Run {
  id: string;
  branch: string;
  commit: string;
  pipeline: string;
  ciProvider: string;
  repository: string;
  runUrl: string;
  startedAt: string;
  parts: number;
}

async function listAllRuns(): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await get<{ items: Run[]; nextCursor: string | null }>(
      `/api/v1/projects/demo/runs?limit=100${query}`,
    );
    runs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

interface FlakyTest {
  title: string;
  projectName: string;
  status: string;
  commitFlakes: number;
  firstDetectedAt: string | null;
}

const listFlaky = (status: string) =>
  get<{ items: FlakyTest[] }>(`/api/v1/projects/demo/flaky-tests?status=${status}&limit=100`);

describe('seedDemo', () => {
  it('creates the demo project with a working project token', async () => {
    expect(seeded).toMatchObject({ created: true, project: { slug: 'demo', name: 'Demo shop' } });
    expect(seeded.token).toMatch(/^flk_[0-9A-Za-z]{43}$/);
    const projects = await get<{ items: { slug: string }[] }>(
      '/api/v1/projects',
      seeded.token as string,
    );
    expect(projects.items.map((p) => p.slug)).toEqual(['demo']);
  });

  it('spreads GitLab runs over six weeks and four branches, the latest minutes ago', async () => {
    const runs = await listAllRuns();
    expect(runs).toHaveLength(seeded.runs);
    expect(runs.length).toBeGreaterThanOrEqual(80);
    expect(runs.length).toBeLessThanOrEqual(120);
    const starts = runs.map((run) => Date.parse(run.startedAt));
    expect(Math.min(...starts)).toBeLessThan(now.getTime() - 40 * DAY);
    const latest = Math.max(...starts);
    expect(latest).toBeLessThan(now.getTime());
    expect(latest).toBeGreaterThan(now.getTime() - 10 * 60 * 1000);
    expect(new Set(runs.map((run) => run.branch))).toEqual(
      new Set([
        'main',
        'feature/checkout-redesign',
        'renovate/playwright-1.x',
        'fix/login-timeout',
      ]),
    );
    expect(runs.filter((run) => run.branch === 'main').length).toBeGreaterThan(runs.length / 2);
    for (const run of runs) {
      expect(run).toMatchObject({ ciProvider: 'gitlab', repository: 'acme/shop' });
      expect(run.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(run.runUrl).toMatch(/^https:\/\/gitlab\.example\.com\/acme\/shop\/-\/jobs\/\d+$/);
    }
    // Retried pipelines and nightlies run again on a commit that already ran.
    expect(new Set(runs.map((run) => run.commit)).size).toBeLessThan(runs.length);
  });

  it('has a run of two shards', async () => {
    const sharded = (await listAllRuns()).find((run) => run.parts === 2);
    expect(sharded).toBeDefined();
    const detail = await get<{ parts: { shard: string }[]; results: unknown[] }>(
      `/api/v1/runs/${sharded?.id}`,
    );
    expect(detail.parts.map((part) => part.shard).sort()).toEqual(['1/2', '2/2']);
    expect(detail.results).toHaveLength(82);
  });

  it('tells the story: a fixed flaky test, a new one, commit flakes', async () => {
    const [active, resolved] = await Promise.all([listFlaky('active'), listFlaky('resolved')]);
    expect(active.items.length).toBeGreaterThanOrEqual(3);
    expect(resolved.items.map((test) => test.title)).toContain('signs in through SSO');
    const newFlake = active.items.find((test) => test.title === 'lists orders page by page');
    expect(Date.parse(newFlake?.firstDetectedAt ?? '')).toBeGreaterThan(now.getTime() - 7 * DAY);
    expect(active.items.some((test) => test.commitFlakes > 0)).toBe(true);
  });

  it('groups the failures by error signature', async () => {
    const errors = await get<{ items: { signature: string; failures: number }[] }>(
      '/api/v1/projects/demo/errors',
    );
    const signatures = errors.items.map((group) => group.signature);
    expect(signatures.length).toBeGreaterThanOrEqual(4);
    expect(signatures).toContain('Test timeout of <duration> exceeded.');
    expect(signatures.some((s) => s.startsWith('TypeError: Cannot read properties'))).toBe(true);
  });

  it('changes nothing when seeded again', async () => {
    const before = await countProjectRows(t, seeded.project.id);
    const again = await seed();
    expect(again).toEqual({ project: seeded.project, created: false, runs: 0 });
    expect(await countProjectRows(t, seeded.project.id)).toEqual(before);
  });
});
