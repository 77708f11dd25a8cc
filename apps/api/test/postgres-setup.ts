import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { adminDatabaseUrl, databaseUrlFor } from './postgres-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** A fresh, migrated database for this test run on the PostgreSQL server. */
export default async function setup(project: TestProject) {
  const name = `flackyness_test_${process.pid}`;
  const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end();
    throw new Error(
      `PostgreSQL test mode: cannot prepare a database at ${adminDatabaseUrl()} (${(error as Error).message}). ` +
        'Start PostgreSQL or set TEST_DATABASE_URL.',
    );
  }
  const url = databaseUrlFor(name);
  const database = await openDatabase({ url });
  await runMigrations(database);
  await database.close();
  project.provide('postgresUrl', url);

  return async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
    await admin.end();
  };
}
