import { describe, expect, it } from 'vitest';
import { diffFlakeDays, enteredWindow, flakeDaysOf, type BranchDays } from './commit-flake-days.ts';

const row = (
  branch: string,
  lastPassDay: string | null,
  lastFailDay: string | null,
): BranchDays => ({
  branch,
  lastPassDay,
  lastFailDay,
});

describe('flakeDaysOf', () => {
  it('counts a pass on one branch and a failure on another for all branches only', () => {
    const days = flakeDaysOf([
      row('feature/x', '2026-01-05', null),
      row('main', null, '2026-01-07'),
    ]);
    expect(days.all).toEqual({ day: '2026-01-05', branch: 'feature/x' });
    expect(days.byBranch.size).toBe(0);
  });

  it('counts on the earlier of the latest pass and the latest failure', () => {
    const days = flakeDaysOf([
      row('main', '2026-01-02', '2026-01-09'),
      row('dev', '2026-01-05', null),
    ]);
    expect(days.all).toEqual({ day: '2026-01-05', branch: 'dev' });
    expect([...days.byBranch]).toEqual([['main', '2026-01-02']]);
  });

  it('picks the first branch by name among those with a result on that day', () => {
    const days = flakeDaysOf([row('b', '2026-01-04', '2026-01-04'), row('a', null, '2026-01-04')]);
    expect(days.all).toEqual({ day: '2026-01-04', branch: 'a' });
  });

  it('finds no flake without a pass', () => {
    expect(flakeDaysOf([row('main', null, '2026-01-04')]).all).toBeNull();
  });
});

describe('diffFlakeDays', () => {
  it('moves the flake from its old day to its new one, in both scopes', () => {
    const before = flakeDaysOf([row('main', '2026-01-04', '2026-01-03')]);
    const rerun = flakeDaysOf([row('main', '2026-01-06', '2026-01-03')]);
    expect(diffFlakeDays('7', before, rerun)).toEqual([]);
    const later = flakeDaysOf([row('main', '2026-01-06', '2026-01-05')]);
    expect(diffFlakeDays('7', before, later)).toEqual([
      { testId: '7', day: '2026-01-03', branch: 'main', commitFlakes: -1, branchCommitFlakes: 0 },
      { testId: '7', day: '2026-01-05', branch: 'main', commitFlakes: 1, branchCommitFlakes: 0 },
      { testId: '7', day: '2026-01-03', branch: 'main', commitFlakes: 0, branchCommitFlakes: -1 },
      { testId: '7', day: '2026-01-05', branch: 'main', commitFlakes: 0, branchCommitFlakes: 1 },
    ]);
  });
});

describe('enteredWindow', () => {
  it('is true only when the flake comes to lie inside the window', () => {
    const none = flakeDaysOf([]);
    const old = flakeDaysOf([row('main', '2026-01-01', '2026-01-20')]);
    const recent = flakeDaysOf([row('main', '2026-01-15', '2026-01-20')]);
    expect(enteredWindow(none, old, '2026-01-10')).toBe(false);
    expect(enteredWindow(old, recent, '2026-01-10')).toBe(true);
    expect(enteredWindow(recent, recent, '2026-01-10')).toBe(false);
  });
});
