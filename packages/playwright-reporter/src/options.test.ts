import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';

describe('resolveOptions', () => {
  it('has the documented defaults', () => {
    expect(resolveOptions({}, {})).toEqual({
      url: undefined,
      token: undefined,
      runName: undefined,
      environment: undefined,
      flushIntervalMs: 2000,
      maxBatchSize: 50,
      timeoutMs: 30_000,
      debug: false,
      maxQueuedEvents: 20_000,
    });
  });

  it('reads every option from the environment', () => {
    expect(
      resolveOptions(
        {},
        {
          FLACKYNESS_URL: 'https://f.example.com/',
          FLACKYNESS_TOKEN: ' tok ',
          FLACKYNESS_RUN_NAME: 'nightly',
          FLACKYNESS_ENVIRONMENT: 'staging',
          FLACKYNESS_FLUSH_INTERVAL_MS: '500',
          FLACKYNESS_MAX_BATCH_SIZE: '20',
          FLACKYNESS_TIMEOUT_MS: '5000',
          FLACKYNESS_DEBUG: 'true',
        },
      ),
    ).toMatchObject({
      url: 'https://f.example.com',
      token: 'tok',
      runName: 'nightly',
      environment: 'staging',
      flushIntervalMs: 500,
      maxBatchSize: 20,
      timeoutMs: 5000,
      debug: true,
    });
  });

  it('lets the config win over the environment', () => {
    const env = {
      FLACKYNESS_URL: 'https://env',
      FLACKYNESS_TOKEN: 'env',
      FLACKYNESS_MAX_BATCH_SIZE: '20',
      FLACKYNESS_DEBUG: '1',
    };
    expect(
      resolveOptions(
        { url: 'https://config', token: 'config', maxBatchSize: 5, debug: false },
        env,
      ),
    ).toMatchObject({ url: 'https://config', token: 'config', maxBatchSize: 5, debug: false });
  });

  it('falls back to defaults on bad numbers and keeps numbers in range', () => {
    expect(
      resolveOptions(
        {},
        { FLACKYNESS_FLUSH_INTERVAL_MS: 'soon', FLACKYNESS_MAX_BATCH_SIZE: '5000' },
      ),
    ).toMatchObject({ flushIntervalMs: 2000, maxBatchSize: 1000 });
    expect(resolveOptions({ maxBatchSize: 0, flushIntervalMs: Number.NaN }, {})).toMatchObject({
      maxBatchSize: 1,
      flushIntervalMs: 2000,
    });
  });

  it('reads the usual spellings of a true flag', () => {
    for (const value of ['1', 'true', 'TRUE', 'yes', 'on']) {
      expect(resolveOptions({}, { FLACKYNESS_DEBUG: value }).debug).toBe(true);
    }
    for (const value of ['0', 'false', '', 'no']) {
      expect(resolveOptions({}, { FLACKYNESS_DEBUG: value }).debug).toBe(false);
    }
  });
});
