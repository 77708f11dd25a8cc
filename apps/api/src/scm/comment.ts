/**
 * The pull/merge request comment and the commit status (DESIGN.md §7), pure: a RunSummary in,
 * text out. The comment degrades in steps until it fits the platform's cap (reference §8.3):
 *   1. full;
 *   2. without error lines, run-level error text and the list of tests that passed on retry;
 *   3. each list capped at N tests with "…and K more — see the full report";
 *   4. cut at a line boundary, open `<details>`/code fences closed, a bold "Truncated" link.
 * The marker stays the first line and the footer (the full report link) the last at every step.
 */

import {
  FULL_DETAIL,
  failedOnlyInQuarantine,
  layoutFinishedComment,
  layoutRunningComment,
  type CommentLayout,
  type Detail,
} from './comment-sections.ts';
import { link, truncateCodePoints } from './comment-markdown.ts';
import { formatCount, plural } from './comment-format.ts';
import type { CommitState, RunSummary, ScmProviderName } from './types.ts';

export interface PrCommentOptions {
  provider: ScmProviderName;
  /** The hidden marker the sticky-comment search looks for; written verbatim as the first line. */
  marker: string;
  /** The platform's comment cap in characters. */
  maxChars: number;
  /** The language model's "likely causes" paragraph, when there is one. */
  aiSummary?: string | null;
}

export type CommentStep = 'full' | 'lists' | 'capped' | 'cut';

/** Room left for the platforms counting differently from us (code points, normalisation). */
const SAFETY_MARGIN = 0.02;
/** GitHub's real limit is in bytes, whatever its error message says (reference §1.8). */
const GITHUB_MAX_BYTES = 262_144;
/** Step 3's list caps, largest first: the first that fits is used. */
const LIST_CAPS = [100, 50, 20, 10, 5, 3, 1];

interface Limits {
  chars: number;
  bytes: number;
}

function limitsFor(options: PrCommentOptions): Limits {
  const chars = Math.floor(options.maxChars * (1 - SAFETY_MARGIN));
  const bytes =
    options.provider === 'github'
      ? Math.floor(GITHUB_MAX_BYTES * (1 - SAFETY_MARGIN))
      : Number.POSITIVE_INFINITY;
  return { chars, bytes };
}

function toBody(layout: CommentLayout): string {
  return [...layout.lines, '', ...layout.footer, ''].join('\n');
}

function fits(body: string, limits: Limits): boolean {
  // UTF-16 units are never fewer than code points, so this errs on the safe side.
  if (body.length > limits.chars) return false;
  return limits.bytes === Number.POSITIVE_INFINITY || Buffer.byteLength(body) <= limits.bytes;
}

/** Step 4: whole lines while they fit, then what closes the open blocks, the notice and the footer. */
function cutToFit(layout: CommentLayout, runUrl: string, limits: Limits): string {
  const tail = [
    '',
    `**Truncated — see the ${link('full report', runUrl)}**`,
    '',
    ...layout.footer,
    '',
  ].join('\n');
  const closeDetails = '\n\n</details>';
  let chars = tail.length + 1;
  let bytes = Buffer.byteLength(tail) + 1;
  let fence: string | null = null;
  let openDetails = 0;
  const kept: string[] = [];
  for (const [index, line] of layout.lines.entries()) {
    let nextFence: string | null = fence;
    let nextOpen = openDetails;
    if (fence !== null) {
      if (line === fence) nextFence = null;
    } else if (/^`{3,}$/.test(line)) {
      nextFence = line;
    } else if (line.startsWith('<details')) {
      nextOpen += 1;
    } else if (line === '</details>') {
      nextOpen -= 1;
    }
    const closing =
      (nextFence === null ? 0 : nextFence.length + 1) + nextOpen * closeDetails.length;
    const lineChars = line.length + 1;
    const lineBytes = Buffer.byteLength(line) + 1;
    // The marker line is kept whatever it costs: without it the next update posts a second comment.
    if (
      index > 0 &&
      (chars + lineChars + closing > limits.chars || bytes + lineBytes + closing > limits.bytes)
    ) {
      break;
    }
    kept.push(line);
    chars += lineChars;
    bytes += lineBytes;
    fence = nextFence;
    openDetails = nextOpen;
  }
  // A cut right after a heading or blank line would leave them dangling above the notice.
  while (kept.length > 1 && (kept.at(-1) === '' || kept.at(-1)?.startsWith('#'))) kept.pop();
  if (fence !== null) kept.push(fence);
  for (let open = 0; open < openDetails; open += 1) kept.push('', '</details>');
  return `${kept.join('\n')}\n${tail}`;
}

/** The comment and the step of the degradation it needed (logged, and checked by tests). */
export function renderPrCommentWithStep(
  summary: RunSummary,
  options: PrCommentOptions,
): { body: string; step: CommentStep } {
  const limits = limitsFor(options);
  const render = (detail: Detail): CommentLayout =>
    layoutFinishedComment(summary, options.marker, options.aiSummary, detail);

  if (summary.run.status === 'running') {
    const layout = layoutRunningComment(summary, options.marker);
    const body = toBody(layout);
    if (fits(body, limits)) return { body, step: 'full' };
    return { body: cutToFit(layout, summary.run.url, limits), step: 'cut' };
  }

  const full = toBody(render(FULL_DETAIL));
  if (fits(full, limits)) return { body: full, step: 'full' };

  const lists: Detail = { errorLines: false, flakyInRunList: false, listCap: null };
  const withLists = toBody(render(lists));
  if (fits(withLists, limits)) return { body: withLists, step: 'lists' };

  const longest = Math.max(
    summary.realFailures.length,
    summary.flakyFailures.length,
    summary.newlyDetected.length,
  );
  let smallest = render({ ...lists, listCap: 1 });
  for (const listCap of LIST_CAPS) {
    if (listCap >= longest) continue;
    const layout = render({ ...lists, listCap });
    const body = toBody(layout);
    if (fits(body, limits)) return { body, step: 'capped' };
    smallest = layout;
  }
  return { body: cutToFit(smallest, summary.run.url, limits), step: 'cut' };
}

/** The sticky pull/merge request comment for a run, within `options.maxChars`. */
export function renderPrComment(summary: RunSummary, options: PrCommentOptions): string {
  return renderPrCommentWithStep(summary, options).body;
}

/** The commit status: failures of quarantined tests alone leave it green (DESIGN.md §7). */
export function commitState(summary: RunSummary): CommitState {
  switch (summary.run.status) {
    case 'running':
      return 'pending';
    case 'passed':
      return 'success';
    case 'cancelled':
      return 'error';
    case 'failed':
    case 'timedout':
    case 'interrupted':
      return failedOnlyInQuarantine(summary) ? 'success' : 'failure';
  }
}

const STATUS_PREFIXES: Partial<Record<RunSummary['run']['status'], string>> = {
  timedout: 'Timed out: ',
  interrupted: 'Interrupted: ',
  cancelled: 'Cancelled: ',
};

function describeRun(summary: RunSummary): string {
  const { totals, status, errors } = summary.run;
  if (status === 'running') {
    const done = totals.expected + totals.unexpected + totals.flaky + totals.skipped;
    return done < totals.total
      ? `Running: ${formatCount(done)} of ${plural(totals.total, 'test')}`
      : `Running: ${plural(done, 'test')} so far`;
  }
  const passed = `${formatCount(totals.expected)} passed`;
  const flaky =
    totals.flaky > 0
      ? `${formatCount(totals.flaky)} flaky` +
        (summary.newlyDetected.length > 0
          ? ` (${formatCount(summary.newlyDetected.length)} new)`
          : '')
      : null;
  const prefix = STATUS_PREFIXES[status] ?? '';
  if (failedOnlyInQuarantine(summary)) {
    const all =
      totals.unexpected === 1
        ? 'The 1 failure is known flaky (quarantined)'
        : `All ${formatCount(totals.unexpected)} failures are known flaky (quarantined)`;
    return `${prefix}${all}; ${[flaky, passed].filter((part) => part !== null).join(', ')}`;
  }
  const parts = [
    totals.unexpected > 0 ? `${formatCount(totals.unexpected)} failed` : null,
    errors.length > 0 ? plural(errors.length, 'run error') : null,
    flaky,
    passed,
    totals.skipped > 0 ? `${formatCount(totals.skipped)} skipped` : null,
  ];
  return prefix + parts.filter((part) => part !== null).join(', ');
}

/**
 * The commit status description, e.g. "2 failed, 3 flaky (1 new), 412 passed", within `maxChars`
 * code points (140 on GitHub); only our words and numbers, never user text.
 */
export function commitStatusDescription(summary: RunSummary, maxChars: number): string {
  return truncateCodePoints(describeRun(summary), maxChars);
}
