import type { Run } from '@flackyness/shared/api';
import { describe, expect, it } from 'vitest';
import { newerRun } from './project-stream.svelte';

const run = (updatedAt: string, status: Run['status'] = 'running') =>
  ({ id: 'r', status, updatedAt }) as Run;

describe('newerRun', () => {
  it('answers the stream’s version only when it is newer than the loaded one', () => {
    const loaded = run('2026-12-01T10:00:00.000Z');
    expect(newerRun(loaded, undefined)).toBe(loaded);
    expect(newerRun(loaded, run('2026-12-01T09:59:59.000Z', 'passed'))).toBe(loaded);
    expect(newerRun(loaded, run('2026-12-01T10:00:00.000Z', 'passed'))).toBe(loaded);
    const later = run('2026-12-01T10:00:01.000Z', 'passed');
    expect(newerRun(loaded, later)).toBe(later);
  });
});
