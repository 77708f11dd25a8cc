import { describe, expect, it } from 'vitest';
import {
  describeSample,
  formatAgo,
  formatDateTime,
  formatDuration,
  formatInterval,
  formatPercent,
  formatPullRequest,
  formatTitlePath,
} from './format';

describe('formatters', () => {
  it('formats rates as percentages, with small non-zero rates never shown as 0', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(0.00001)).toBe('<0.1%');
    expect(formatPercent(Number.NaN)).toBe('–');
    expect(formatPercent(null)).toBe('–');
    expect(formatInterval(0.021, 0.0984)).toBe('2.1–9.8%');
  });

  it('formats durations in the largest sensible unit', () => {
    expect(formatDuration(950)).toBe('950 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_380_000)).toBe('2 h 03 min');
    expect(formatDuration(-1)).toBe('–');
  });

  it('shows times in UTC and ages from the given clock', () => {
    expect(formatDateTime('2026-12-01T14:03:59.000Z')).toBe('2026-12-01 14:03 UTC');
    expect(formatDateTime('garbage')).toBe('–');
    const now = new Date('2026-12-02T12:00:00Z');
    expect(formatAgo('2026-12-02T11:59:30Z', now)).toBe('just now');
    expect(formatAgo('2026-12-02T11:00:00Z', now)).toBe('1 h ago');
    expect(formatAgo('2026-12-01T00:00:00Z', now)).toBe('36 h ago');
    expect(formatAgo('2026-11-20T12:00:00Z', now)).toBe('12 d ago');
    expect(formatAgo(null, now)).toBe('never');
  });

  it('flags samples below the minimum', () => {
    expect(describeSample(7)).toEqual({ label: 'n = 7', tooFew: true });
    expect(describeSample(1200)).toEqual({ label: 'n = 1,200', tooFew: false });
  });

  it('names merge requests the GitLab way', () => {
    expect(formatPullRequest('gitlab', '12')).toBe('MR !12');
    expect(formatPullRequest('github', '12')).toBe('PR #12');
    expect(formatPullRequest('github', null)).toBe('–');
    expect(formatTitlePath(['Cart', 'adds an item'])).toBe('Cart › adds an item');
  });
});

describe('plural', () => {
  it('uses the singular for one only', async () => {
    const { plural } = await import('./format');
    expect(plural(1, 'failure')).toBe('1 failure');
    expect(plural(0, 'failure')).toBe('0 failures');
    expect(plural(1200, 'run')).toBe('1,200 runs');
    expect(plural(2, 'commit flake', 'commit flakes')).toBe('2 commit flakes');
  });
});
