import type { Sql } from '../db/client.ts';
import {
  findIntegration,
  listIntegrationsSealedWithOtherKey,
  updateIntegrationToken,
} from '../db/queries/integrations.ts';
import {
  integrationTokenContext,
  openToken,
  sealToken,
  type EncryptionKeys,
} from './token-keys.ts';

/**
 * Seals again, with the current key (the first of ENCRYPTION_KEY), every integration token sealed
 * with another key of the ring; afterwards the other keys can be removed. Each row is locked and
 * sealed in a transaction of its own, so two processes starting at once do each row once, and a
 * failure leaves every row either as it was or done.
 */
export async function reencryptIntegrationTokens(
  sql: Sql,
  keys: EncryptionKeys,
): Promise<{ reencrypted: number }> {
  let reencrypted = 0;
  for (const { projectId, provider } of await listIntegrationsSealedWithOtherKey(
    sql,
    keys.currentKeyId,
  )) {
    const done = await sql.begin(async (tx) => {
      const row = await findIntegration(tx, projectId, provider, { forUpdate: true });
      // Deleted meanwhile, or sealed again by another process while this one waited for the lock.
      if (!row || row.tokenKeyId === keys.currentKeyId) return false;
      const context = integrationTokenContext(projectId, provider);
      const token = openToken(
        keys,
        { ciphertext: row.tokenCiphertext, keyId: row.tokenKeyId },
        context,
      );
      const sealed = sealToken(keys, token, context);
      await updateIntegrationToken(tx, projectId, provider, {
        tokenCiphertext: sealed.ciphertext,
        tokenKeyId: sealed.keyId,
      });
      return true;
    });
    if (done) reencrypted += 1;
  }
  return { reencrypted };
}
