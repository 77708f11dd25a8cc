import type { LiveProgress, Run } from '@flackyness/shared/api';
import { describe, expect, it } from 'vitest';
import { newerRun, runVersion } from './project-stream.svelte';

const run = (updatedAt: string, status: Run['status'] = 'running', lastEventAt?: string) =>
  ({
    id: 'r',
    status,
    updatedAt,
    live: lastEventAt ? ({ lastEventAt } as LiveProgress) : null,
  }) as Run;

describe('which version of a run the page shows', () => {
  it('a live run changes with its last event, not only with updatedAt', () => {
    expect(runVersion(run('2026-12-01T10:00:00.000Z'))).toBe(
      Date.parse('2026-12-01T10:00:00.000Z'),
    );
    expect(runVersion(run('2026-12-01T10:00:00.000Z', 'running', '2026-12-01T10:03:00.000Z'))).toBe(
      Date.parse('2026-12-01T10:03:00.000Z'),
    );
  });

  it('answers the stream’s version unless the loaded one is newer', () => {
    const loaded = run('2026-12-01T10:00:00.000Z', 'running', '2026-12-01T10:01:00.000Z');
    expect(newerRun(loaded, undefined)).toBe(loaded);
    const older = run('2026-12-01T10:00:00.000Z', 'running', '2026-12-01T10:00:30.000Z');
    expect(newerRun(loaded, older)).toBe(loaded);
    const progressed = run('2026-12-01T10:00:00.000Z', 'running', '2026-12-01T10:01:00.000Z');
    expect(newerRun(loaded, progressed)).toBe(progressed);
    const ended = run('2026-12-01T10:02:00.000Z', 'failed', '2026-12-01T10:01:00.000Z');
    expect(newerRun(loaded, ended)).toBe(ended);
  });
});
