import { loadConfig } from '../config.ts';
import { embeddedDataDir, openDatabase } from '../db/client.ts';
import { assertEncryptionReady } from './encryption-ready.ts';
import { reencryptIntegrationTokens } from './rotate-token-keys.ts';

// `pnpm scm:rotate-keys`: seals every integration token again with the first key of
// ENCRYPTION_KEY, without restarting the server (which does the same at start).
const config = loadConfig();
const keys = config.ENCRYPTION_KEY;
if (!keys) {
  console.error(
    'ENCRYPTION_KEY is not set: put the new key first, then the old ones ("new:<key>,old:<key>").',
  );
  process.exit(1);
}
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: embeddedDataDir(config) });
try {
  await assertEncryptionReady(database.sql, keys);
  const { reencrypted } = await reencryptIntegrationTokens(database.sql, keys);
  console.log(
    `${reencrypted} integration ${reencrypted === 1 ? 'token' : 'tokens'} sealed again with key "${keys.currentKeyId}"; keys other than "${keys.currentKeyId}" can now be removed from ENCRYPTION_KEY.`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
}
