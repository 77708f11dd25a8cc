import { describe, expect, it } from 'vitest';
import { splitParallelJob, uploadMetadataSchema } from './upload-metadata.ts';

describe('splitParallelJob', () => {
  it.each([
    [undefined, { job: '' }],
    ['', { job: '' }],
    ['e2e', { job: 'e2e' }],
    ['e2e 1/4', { job: 'e2e', shard: '1/4' }],
    ['e2e tests  \t 12/30', { job: 'e2e tests', shard: '12/30' }],
    ['e2e 1/4 smoke', { job: 'e2e 1/4 smoke' }],
    ['e2e1/4', { job: 'e2e1/4' }],
    ['1/4', { job: '1/4' }],
    ['e2e 1/', { job: 'e2e 1/' }],
    ['e2e /4', { job: 'e2e /4' }],
  ])('reads %j as %j', (job, expected) => {
    expect(splitParallelJob(job)).toEqual(expected);
  });

  // Large enough that a pass rescanning the spaces from each of them would time out.
  it('reads names with megabyte runs of spaces', () => {
    const spaces = ' '.repeat(1_000_000);
    expect(splitParallelJob(`a${spaces}x`)).toEqual({ job: `a${spaces}x` });
    expect(splitParallelJob(`a${spaces}1/`)).toEqual({ job: `a${spaces}1/` });
    expect(splitParallelJob(`a${spaces}2/3`)).toEqual({ job: 'a', shard: '2/3' });
    expect(splitParallelJob(`${' 1/2'.repeat(250_000)}x`).shard).toBeUndefined();
  });
});

describe('uploadMetadataSchema', () => {
  it('keeps free text with NUL and lone surrogates as U+FFFD', () => {
    const meta = uploadMetadataSchema.parse({
      branch: 'feat/\u0000x',
      commit: 'abc\uD800',
      job: 'e2e\u0000 1/2',
      pipeline: '\uDC00 42',
      repository: 'org/\u0000',
      runName: 'nightly \uD83D',
      environment: 'staging\u0000',
      runUrl: 'https://ci.example/run/1?x=\u0000',
      project: 'web\u0000',
    });
    expect(meta).toEqual({
      branch: 'feat/\uFFFDx',
      commit: 'abc\uFFFD',
      job: 'e2e\uFFFD 1/2',
      pipeline: '\uFFFD 42',
      repository: 'org/\uFFFD',
      runName: 'nightly \uFFFD',
      environment: 'staging\uFFFD',
      runUrl: 'https://ci.example/run/1?x=\uFFFD',
      project: 'web\uFFFD',
    });
  });
});
