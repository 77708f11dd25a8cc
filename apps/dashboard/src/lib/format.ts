/**
 * Formatters for numbers, rates, durations and times. Times are shown in UTC, the API's zone, so
 * a page reads the same for everyone it is shared with and server and browser render alike.
 */

/** Below this many runs a rate says little: the table shows "too few runs" beside it. */
export const MIN_RUNS_FOR_RATE = 10;

export function formatPercent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '–';
  const percent = rate * 100;
  if (percent > 0 && percent < 10 ** -digits) return `<${(10 ** -digits).toFixed(digits)}%`;
  return `${percent.toFixed(digits)}%`;
}

/** A 95% interval as "2.1–9.8%". */
export function formatInterval(low: number, high: number): string {
  return `${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}%`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** 950 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "2026-12-01 14:03 UTC". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.slice(0, 10);
}

/** "5 min ago", "3 h ago", "12 d ago", measured from `now` (passed in, so SSR and browser agree). */
export function formatAgo(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '–';
  const seconds = Math.max(0, Math.round((now.getTime() - then) / 1000));
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function shortCommit(commit: string | null | undefined): string {
  return commit ? commit.slice(0, 8) : '–';
}

/** The title path without the file: "Checkout › pays with a card". */
export function formatTitlePath(titlePath: readonly string[]): string {
  return titlePath.join(' › ');
}

/** A rate's sample: "n = 7", with a warning below MIN_RUNS_FOR_RATE. */
export function describeSample(runs: number): { label: string; tooFew: boolean } {
  return { label: `n = ${formatCount(runs)}`, tooFew: runs < MIN_RUNS_FOR_RATE };
}

const CI_PROVIDERS: Record<string, string> = {
  github: 'GitHub Actions',
  gitlab: 'GitLab CI',
  azure: 'Azure Pipelines',
  jenkins: 'Jenkins',
  circleci: 'CircleCI',
  buildkite: 'Buildkite',
  local: 'Local',
};

export function formatCiProvider(provider: string | null | undefined): string {
  if (!provider) return '–';
  return CI_PROVIDERS[provider] ?? provider;
}

/** "PR !12" on GitLab (merge requests), "PR #12" elsewhere. */
export function formatPullRequest(provider: string | null, pr: string | null): string {
  if (!pr) return '–';
  return provider === 'gitlab' ? `MR !${pr}` : `PR #${pr}`;
}

/** "1 failure", "3 failures": English plurals for the counts in sentences. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}
