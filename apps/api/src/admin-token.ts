import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type Config } from './config.ts';

export interface AdminToken {
  token: string;
  /** True the first time: the token was just made and must be shown to the operator once. */
  generated: boolean;
  /** Where a generated token is kept. */
  file?: string;
}

/**
 * ADMIN_TOKEN when set. In embedded mode without it, a token is generated at first start and kept
 * in DATA_DIR (readable by the owner only), so a one-command start has a working admin API.
 */
export function resolveAdminToken(config: Config): AdminToken {
  if (config.ADMIN_TOKEN) return { token: config.ADMIN_TOKEN, generated: false };
  if (config.databaseMode === 'postgres') {
    throw new ConfigError(
      'ADMIN_TOKEN is required when DATABASE_URL is set (at least 16 characters)',
    );
  }
  const file = resolve(config.DATA_DIR, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, generated: false, file };
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const token = `flkadm_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true, file };
}
