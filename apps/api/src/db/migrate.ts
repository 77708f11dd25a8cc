import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('../../../../drizzle', import.meta.url));

/** Arbitrary constant naming the migration lock, so several instances starting at once take turns. */
const MIGRATION_LOCK = 72_651_004;

/**
 * Applies drizzle/ migrations on a connection of their own: Drizzle's driver replaces postgres.js's
 * type parsers on the client it wraps, which the app's queries must not inherit.
 */
export async function runMigrations(database: Database): Promise<void> {
  const client = database.connect({ max: 1 });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(client), { migrationsFolder });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
