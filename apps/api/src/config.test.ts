import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, environmentWithEnvFiles, loadConfig } from './config.ts';

describe('.env files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flk-env-'));
  const first = join(dir, 'first.env');
  const second = join(dir, 'second.env');
  writeFileSync(first, '# comment\nPORT=4100\nFLAKE_THRESHOLD="0.1"\n');
  writeFileSync(second, 'PORT=4200\nRESOLVE_AFTER_RUNS=7\nLOG_LEVEL=warn\n');

  it('fills what the environment lacks; the environment and the first file win', () => {
    const env = environmentWithEnvFiles([first, second, join(dir, 'missing.env')], {
      LOG_LEVEL: 'error',
    });
    const config = loadConfig(env);
    expect(config.PORT).toBe(4100);
    expect(config.FLAKE_THRESHOLD).toBe(0.1);
    expect(config.RESOLVE_AFTER_RUNS).toBe(7);
    expect(config.LOG_LEVEL).toBe('error');
  });

  it('refuses a bad value from a file, naming it', () => {
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'FLAKE_WINDOW_DAYS=0\n');
    expect(() => loadConfig(environmentWithEnvFiles([bad], {}))).toThrow(ConfigError);
    expect(() => loadConfig(environmentWithEnvFiles([bad], {}))).toThrow(/FLAKE_WINDOW_DAYS/);
  });
});

describe('SESSION_TTL_HOURS', () => {
  it('defaults to 12 hours and takes 1 to 8760', () => {
    expect(loadConfig({}).SESSION_TTL_HOURS).toBe(12);
    expect(loadConfig({ SESSION_TTL_HOURS: '1' }).SESSION_TTL_HOURS).toBe(1);
    expect(loadConfig({ SESSION_TTL_HOURS: '8760' }).SESSION_TTL_HOURS).toBe(8760);
  });

  it.each(['0', '8761', '1.5', 'soon'])('refuses %s', (value) => {
    expect(() => loadConfig({ SESSION_TTL_HOURS: value })).toThrow(/SESSION_TTL_HOURS/);
  });
});

describe('ENCRYPTION_KEY', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('is optional, and parsed into a keyring', () => {
    expect(loadConfig({}).ENCRYPTION_KEY).toBeUndefined();
    expect(loadConfig({ ENCRYPTION_KEY: ' ' }).ENCRYPTION_KEY).toBeUndefined();
    expect(loadConfig({ ENCRYPTION_KEY: `new:${key}` }).ENCRYPTION_KEY?.currentKeyId).toBe('new');
  });

  it('refuses a bad value naming the variable, never echoing it', () => {
    const value = 'tooshort';
    expect(() => loadConfig({ ENCRYPTION_KEY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ENCRYPTION_KEY: value })).toThrow(/ENCRYPTION_KEY: the key: .*44/);
    try {
      loadConfig({ ENCRYPTION_KEY: value });
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });
});

describe('DATABASE_READ_URL', () => {
  it('is optional, a postgres URL, and only with DATABASE_URL', () => {
    const primary = 'postgres://db:5432/flackyness';
    const replica = 'postgres://replica:5432/flackyness';
    expect(loadConfig({ DATABASE_URL: primary }).DATABASE_READ_URL).toBeUndefined();
    expect(
      loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: replica }).DATABASE_READ_URL,
    ).toBe(replica);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: 'mysql://x' })).toThrow(
      /DATABASE_READ_URL/,
    );
    expect(() => loadConfig({ DATABASE_READ_URL: replica })).toThrow(/DATABASE_READ_URL/);
  });
});
