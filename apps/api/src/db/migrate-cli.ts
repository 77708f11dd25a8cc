import { loadConfig } from '../config.ts';
import { embeddedDataDir, openDatabase } from './client.ts';
import { runMigrations } from './migrate.ts';
import { createPartitionsAhead } from './partitions.ts';

// `pnpm db:migrate`: applies migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
const config = loadConfig();
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: embeddedDataDir(config),
});
try {
  await runMigrations(database);
  await createPartitionsAhead(database.sql, config.PARTITIONS_AHEAD_MONTHS);
  console.log(`Migrations applied (${database.mode} database).`);
} finally {
  await database.close();
}
