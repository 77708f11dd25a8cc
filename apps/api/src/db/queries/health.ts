import type { Database } from '../client.ts';
import { listPartitions } from '../partitions.ts';
import { version } from '../../version.ts';
import { readOutboxHealth } from './deliveries.ts';

export async function readHealth(database: Database, startedAt: Date, now: Date = new Date()) {
  const began = performance.now();
  await database.sql`select 1`;
  const latencyMs = Math.round((performance.now() - began) * 100) / 100;
  const [partitions, outbox] = await Promise.all([
    listPartitions(database.sql),
    readOutboxHealth(database.sql, now),
  ]);
  const [counts] = await database.sql<{ projects: number; runs: number }[]>`
    select (select count(*)::int from projects) as projects, (select count(*)::int from runs) as runs`;
  return {
    status: 'ok',
    version,
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    database: { mode: database.mode, reachable: true, latencyMs },
    partitions: {
      count: partitions.length,
      oldest: partitions[0]?.month ?? null,
      newest: partitions[partitions.length - 1]?.month ?? null,
      names: partitions.map((p) => p.name),
    },
    /** Pull/merge request deliveries (DESIGN.md §7). */
    outbox,
    projects: counts?.projects ?? 0,
    runs: counts?.runs ?? 0,
  };
}
