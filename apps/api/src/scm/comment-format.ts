/**
 * Numbers, durations and rates as the pull/merge request summary writes them. Plain text, no
 * Markdown: the same words serve the comment and the commit status description. Independent of the
 * machine's locale, so a comment renders the same everywhere.
 */

import type { SummaryTest } from './types.ts';

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '?';
  const digits = String(Math.trunc(Math.abs(value)));
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const group = digits.slice(Math.max(0, end - 3), end);
    grouped = grouped === '' ? group : `${group},${grouped}`;
  }
  return value < 0 ? `-${grouped}` : grouped;
}

/** `count word`, with an `s` when the count is not one. */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${formatCount(count)} ${count === 1 ? word : pluralWord}`;
}

/** 252_000 → "4m 12s"; under a minute with one decimal under ten seconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

/** A rate in [0, 1] as a percentage with one decimal, without a trailing ".0": 0.125 → "12.5". */
function percentNumber(rate: number): string {
  const tenths = Math.round(Math.min(1, Math.max(0, rate)) * 1000);
  return tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
}

export function formatPercent(rate: number): string {
  return Number.isFinite(rate) ? `${percentNumber(rate)}%` : 'n/a';
}

/**
 * "flake rate 12.5% (95% CI 6.1–23.9%, 40 runs over 30 days)": the rate with its Wilson interval
 * and sample size (DESIGN.md §4: every rate is shown with both).
 */
export function formatFlakeRate(
  flakeRate: NonNullable<SummaryTest['flakeRate']>,
  windowDays: number,
): string {
  const { rate, low, high, runs } = flakeRate;
  if (![rate, low, high].every(Number.isFinite)) return 'flake rate n/a';
  return (
    `flake rate ${formatPercent(rate)} (95% CI ${percentNumber(low)}–${percentNumber(high)}%, ` +
    `${plural(runs, 'run')} over ${plural(windowDays, 'day')})`
  );
}

/** The commit's first seven hex digits, or null when it is not a commit id. */
export function shortSha(commit: string | null): string | null {
  if (commit === null || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  return commit.slice(0, 7).toLowerCase();
}

/** project › file › describe › title (plain; the caller escapes it). */
export function titlePathParts(test: SummaryTest): string[] {
  const titles = test.titlePath.length > 0 ? test.titlePath : [test.title];
  return [test.projectName, test.file, ...titles].filter((part) => part !== '');
}
