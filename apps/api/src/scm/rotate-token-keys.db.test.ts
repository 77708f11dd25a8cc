import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedDatabase,
  createProject,
  dbMode,
  startTestApp,
  type TestApp,
} from '../../test/harness.ts';
import { findIntegration, upsertIntegration } from '../db/queries/integrations.ts';
import type { IntegrationProvider } from '../db/queries/integrations.ts';
import { assertEncryptionReady, EncryptionNotReadyError } from './encryption-ready.ts';
import { reencryptIntegrationTokens } from './rotate-token-keys.ts';
import {
  generateEncryptionKey,
  integrationTokenContext,
  openToken,
  parseEncryptionKeys,
  sealToken,
  tokenFingerprint,
  type EncryptionKeys,
} from './token-keys.ts';

// These tests look at every integration of the database (the start check, the rotation): they run
// on a database of their own, which other test files do not share, emptied before each.
let t: TestApp;
let isolated: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
beforeAll(async () => {
  isolated = dbMode === 'postgres' ? await createIsolatedDatabase() : undefined;
  t = await startTestApp(isolated ? { databaseUrl: isolated.url } : {});
});
afterAll(async () => {
  await t.close();
  await isolated?.drop();
});

const keyA = generateEncryptionKey();
const keyB = generateEncryptionKey();

async function seedIntegration(keys: EncryptionKeys, provider: IntegrationProvider, token: string) {
  const { project } = await createProject(t);
  const sealed = sealToken(keys, token, integrationTokenContext(project.id, provider));
  await upsertIntegration(
    t.database.sql,
    project.id,
    provider,
    { baseUrl: 'https://api.github.com', repository: 'acme/web', comments: true, statuses: true },
    {
      tokenCiphertext: sealed.ciphertext,
      tokenKeyId: sealed.keyId,
      tokenFingerprint: tokenFingerprint(token),
    },
  );
  return project.id;
}

describe.sequential('integration tokens at start', () => {
  it('seals every token again with the new first key, once', async () => {
    await t.database.sql`delete from project_integrations`;
    const ringA = parseEncryptionKeys(`a:${keyA}`);
    const seeded = [
      {
        projectId: await seedIntegration(ringA, 'github', 'token-one'),
        provider: 'github',
        token: 'token-one',
      },
      {
        projectId: await seedIntegration(ringA, 'gitlab', 'token-two'),
        provider: 'gitlab',
        token: 'token-two',
      },
    ] as const;
    const ringBA = parseEncryptionKeys(`b:${keyB},a:${keyA}`);
    await assertEncryptionReady(t.database.sql, ringBA);
    expect(await reencryptIntegrationTokens(t.database.sql, ringBA)).toEqual({ reencrypted: 2 });

    const ringB = parseEncryptionKeys(`b:${keyB}`);
    await assertEncryptionReady(t.database.sql, ringB);
    for (const { projectId, provider, token } of seeded) {
      const row = await findIntegration(t.database.sql, projectId, provider);
      expect(row?.tokenKeyId).toBe('b');
      expect(row?.tokenFingerprint).toBe(tokenFingerprint(token));
      const opened = openToken(
        ringB,
        { ciphertext: row?.tokenCiphertext ?? '', keyId: row?.tokenKeyId ?? '' },
        integrationTokenContext(projectId, provider),
      );
      expect(opened).toBe(token);
    }
    expect(await reencryptIntegrationTokens(t.database.sql, ringBA)).toEqual({ reencrypted: 0 });
    expect(await reencryptIntegrationTokens(t.database.sql, ringB)).toEqual({ reencrypted: 0 });
  });

  it('two rotations at once seal each token once', async () => {
    await t.database.sql`delete from project_integrations`;
    const ringA = parseEncryptionKeys(`a:${keyA}`);
    for (let i = 0; i < 3; i += 1) await seedIntegration(ringA, 'azure', `token-${i}`);
    const ringBA = parseEncryptionKeys(`b:${keyB},a:${keyA}`);
    const [first, second] = await Promise.all([
      reencryptIntegrationTokens(t.database.sql, ringBA),
      reencryptIntegrationTokens(t.database.sql, ringBA),
    ]);
    expect((first?.reencrypted ?? 0) + (second?.reencrypted ?? 0)).toBe(3);
  });

  it('refuses to start without ENCRYPTION_KEY when an integration exists, saying how to fix it', async () => {
    await t.database.sql`delete from project_integrations`;
    await expect(assertEncryptionReady(t.database.sql, null)).resolves.toBeUndefined();
    await seedIntegration(parseEncryptionKeys(`a:${keyA}`), 'github', 'secret-token-value');
    const refusal = assertEncryptionReady(t.database.sql, null);
    await expect(refusal).rejects.toThrow(EncryptionNotReadyError);
    await expect(refusal).rejects.toThrow(
      /1 project integration holds a provider token.*ENCRYPTION_KEY is not set/,
    );
    await expect(refusal).rejects.toThrow(
      /Set ENCRYPTION_KEY to the key the tokens were sealed with \(key id "a"\)/,
    );
    await expect(refusal).rejects.toThrow(/openssl rand -base64 32/);
    await expect(refusal).rejects.not.toThrow(/secret-token-value/);
  });

  it('refuses to start when a key id in use is not in ENCRYPTION_KEY, naming it', async () => {
    await t.database.sql`delete from project_integrations`;
    await seedIntegration(parseEncryptionKeys(`old:${keyA}`), 'github', 'x');
    await seedIntegration(parseEncryptionKeys(`kept:${keyB}`), 'github', 'y');
    const refusal = assertEncryptionReady(t.database.sql, parseEncryptionKeys(`kept:${keyB}`));
    await expect(refusal).rejects.toThrow(EncryptionNotReadyError);
    await expect(refusal).rejects.toThrow(/does not hold: "old" \(1 integration\)\./);
    await expect(refusal).rejects.toThrow(/ENCRYPTION_KEY holds "kept"/);
  });
});
