import type { Sql, TxSql } from '../client.ts';
import type { projectIntegrations } from '../schema.ts';

export type IntegrationProvider = (typeof projectIntegrations.$inferSelect)['provider'];

/** A project's integration with a code platform; the token only as its ciphertext. */
export interface IntegrationRow {
  projectId: string;
  provider: IntegrationProvider;
  baseUrl: string;
  repository: string;
  tokenCiphertext: string;
  tokenKeyId: string;
  tokenFingerprint: string;
  comments: boolean;
  statuses: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface IntegrationSettings {
  baseUrl: string;
  repository: string;
  comments: boolean;
  statuses: boolean;
}

export interface SealedIntegrationToken {
  tokenCiphertext: string;
  tokenKeyId: string;
  tokenFingerprint: string;
}

const columns = (sql: Sql | TxSql) => sql`
  project_id as "projectId", provider, base_url as "baseUrl", repository,
  token_ciphertext as "tokenCiphertext", token_key_id as "tokenKeyId",
  token_fingerprint as "tokenFingerprint", comments, statuses,
  created_at as "createdAt", updated_at as "updatedAt"`;

/** Creates the integration or replaces it (settings and token); `created` says which. */
export async function upsertIntegration(
  sql: Sql | TxSql,
  projectId: string,
  provider: IntegrationProvider,
  settings: IntegrationSettings,
  token: SealedIntegrationToken,
): Promise<{ integration: IntegrationRow; created: boolean }> {
  // xmax is 0 on a row this statement inserted, set on one it updated.
  const [row] = await sql<(IntegrationRow & { created: boolean })[]>`
    insert into project_integrations (project_id, provider, base_url, repository,
      token_ciphertext, token_key_id, token_fingerprint, comments, statuses)
    values (${projectId}, ${provider}, ${settings.baseUrl}, ${settings.repository},
      ${token.tokenCiphertext}, ${token.tokenKeyId}, ${token.tokenFingerprint},
      ${settings.comments}, ${settings.statuses})
    on conflict (project_id, provider) do update set
      base_url = excluded.base_url, repository = excluded.repository,
      token_ciphertext = excluded.token_ciphertext, token_key_id = excluded.token_key_id,
      token_fingerprint = excluded.token_fingerprint, comments = excluded.comments,
      statuses = excluded.statuses, updated_at = now()
    returning ${columns(sql)}, (xmax = 0) as created`;
  const { created, ...integration } = row as IntegrationRow & { created: boolean };
  return { integration, created };
}

/** Replaces an existing integration's settings, keeping its token; undefined when there is none. */
export async function updateIntegrationSettings(
  sql: Sql | TxSql,
  projectId: string,
  provider: IntegrationProvider,
  settings: IntegrationSettings,
): Promise<IntegrationRow | undefined> {
  const [row] = await sql<IntegrationRow[]>`
    update project_integrations set base_url = ${settings.baseUrl},
      repository = ${settings.repository}, comments = ${settings.comments},
      statuses = ${settings.statuses}, updated_at = now()
    where project_id = ${projectId} and provider = ${provider}
    returning ${columns(sql)}`;
  return row;
}

/** One integration; with `forUpdate`, locked until the transaction ends. */
export async function findIntegration(
  sql: Sql | TxSql,
  projectId: string,
  provider: IntegrationProvider,
  options: { forUpdate?: boolean } = {},
): Promise<IntegrationRow | undefined> {
  const [row] = await sql<IntegrationRow[]>`
    select ${columns(sql)} from project_integrations
    where project_id = ${projectId} and provider = ${provider}
    ${options.forUpdate ? sql`for update` : sql``}`;
  return row;
}

export async function listProjectIntegrations(
  sql: Sql,
  projectId: string,
): Promise<IntegrationRow[]> {
  return sql<IntegrationRow[]>`
    select ${columns(sql)} from project_integrations
    where project_id = ${projectId} order by provider`;
}

/** True when there was one to delete. */
export async function deleteIntegration(
  sql: Sql,
  projectId: string,
  provider: IntegrationProvider,
): Promise<boolean> {
  const rows = await sql`
    delete from project_integrations where project_id = ${projectId} and provider = ${provider}
    returning 1`;
  return rows.length > 0;
}

/** Integrations per key id they are sealed with, across every project (for the start check). */
export async function countIntegrationsByKeyId(
  sql: Sql,
): Promise<{ keyId: string; count: number }[]> {
  return sql<{ keyId: string; count: number }[]>`
    select token_key_id as "keyId", count(*)::int as count from project_integrations
    group by token_key_id order by token_key_id`;
}

export async function countIntegrations(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from project_integrations`;
  return row?.count ?? 0;
}

/** The integrations sealed with another key than `keyId`: what a key rotation seals again. */
export async function listIntegrationsSealedWithOtherKey(
  sql: Sql,
  keyId: string,
): Promise<{ projectId: string; provider: IntegrationProvider }[]> {
  return sql<{ projectId: string; provider: IntegrationProvider }[]>`
    select project_id as "projectId", provider from project_integrations
    where token_key_id <> ${keyId} order by project_id, provider`;
}

/** Stores a token sealed again (rotation): the fingerprint stays, the token being the same. */
export async function updateIntegrationToken(
  sql: Sql | TxSql,
  projectId: string,
  provider: IntegrationProvider,
  sealed: { tokenCiphertext: string; tokenKeyId: string },
): Promise<void> {
  await sql`
    update project_integrations
    set token_ciphertext = ${sealed.tokenCiphertext}, token_key_id = ${sealed.tokenKeyId}
    where project_id = ${projectId} and provider = ${provider}`;
}
