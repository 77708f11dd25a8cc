import type { Sql } from '../db/client.ts';
import { countIntegrationsByKeyId } from '../db/queries/integrations.ts';
import type { EncryptionKeys } from './token-keys.ts';

/** Why the server refuses to start: the stored provider tokens could not be opened. */
export class EncryptionNotReadyError extends Error {
  override name = 'EncryptionNotReadyError';
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Checked at start, before anything reads a token: every stored integration must be sealed with a
 * key ENCRYPTION_KEY holds. Otherwise the comments and statuses would fail one by one, later,
 * far from the cause.
 */
export async function assertEncryptionReady(sql: Sql, keys: EncryptionKeys | null): Promise<void> {
  const sealedWith = await countIntegrationsByKeyId(sql);
  const total = sealedWith.reduce((sum, row) => sum + row.count, 0);
  if (total === 0) return;
  const inUse = sealedWith.map((row) => `"${row.keyId}"`).join(', ');
  if (!keys) {
    throw new EncryptionNotReadyError(
      [
        `Refusing to start: ${plural(total, 'project integration holds a provider token', 'project integrations hold provider tokens')} sealed with ENCRYPTION_KEY, and ENCRYPTION_KEY is not set.`,
        `  Set ENCRYPTION_KEY to the key the tokens were sealed with (key ${sealedWith.length === 1 ? 'id' : 'ids'} ${inUse}), e.g. "keyId:<base64 key>".`,
        '  A fresh install needs a key of its own: generate one with `openssl rand -base64 32`.',
        '  If the key is lost, the tokens cannot be recovered: delete the rows of project_integrations and enter the tokens again.',
      ].join('\n'),
    );
  }
  const missing = sealedWith.filter((row) => !keys.keyIds.includes(row.keyId));
  if (missing.length > 0) {
    const names = missing.map(
      (row) => `"${row.keyId}" (${plural(row.count, 'integration', 'integrations')})`,
    );
    throw new EncryptionNotReadyError(
      [
        `Refusing to start: provider tokens are sealed with ${missing.length === 1 ? 'a key' : 'keys'} ENCRYPTION_KEY does not hold: ${names.join(', ')}.`,
        `  ENCRYPTION_KEY holds ${keys.keyIds.map((id) => `"${id}"`).join(', ')}. Add the missing ${missing.length === 1 ? 'key' : 'keys'} after the current one ("newId:<new key>,oldId:<old key>"); the tokens are then sealed again with the first key at start, and the old key can be removed.`,
      ].join('\n'),
    );
  }
}
