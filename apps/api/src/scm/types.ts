/**
 * The pull/merge request summary's vocabulary (DESIGN.md §7), shared by the providers, the comment
 * renderer and the outbox worker. Only types live here.
 */

export const scmProviders = ['github', 'gitlab', 'azure'] as const;
export type ScmProviderName = (typeof scmProviders)[number];

/** Where and as whom a provider talks: all of it from the project's integration, never the upload. */
export interface ScmTarget {
  /** The API base: `https://api.github.com`, `https://HOST/api/v3`, `https://gitlab.com/api/v4`,
   *  `https://dev.azure.com`; no trailing slash. */
  baseUrl: string;
  /** `owner/repo` (GitHub), `group/sub/project` (GitLab), `organization/project/repository` (Azure). */
  repository: string;
  /** The decrypted provider token; it goes into a header, never a URL, a log or an error. */
  token: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** The fetch to use (tests pass one bound to a fake); default the global fetch. */
  fetch?: typeof fetch;
}

/** The pull/merge request as the platform has it now. */
export interface PullRequestInfo {
  number: string;
  /** The commit at the head of its source branch. */
  headSha: string;
  /** open | closed | merged (normalised). */
  state: 'open' | 'closed' | 'merged';
  /** The source branch (GitLab statuses attach to it through `ref`). */
  sourceBranch: string;
  /** Its page, for people. */
  webUrl?: string;
}

/** One of our comments (a note on GitLab, a thread's first comment on Azure). */
export interface CommentRef {
  /** Provider-specific id; on Azure `threadId/commentId`. */
  id: string;
  url?: string;
  body?: string;
}

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatusInput {
  pr: PullRequestInfo;
  /** The PR's head commit (equal to the run's commit, checked before). */
  sha: string;
  state: CommitState;
  /** Already within the provider's limit (see maxStatusDescriptionChars). */
  description: string;
  targetUrl: string;
  /** `flackyness/playwright`. */
  context: string;
}

/** One platform's API, as the outbox worker uses it. */
export interface CiProvider {
  readonly name: ScmProviderName;
  /** The platform's comment size cap in characters (65,536 / 1,000,000 / 150,000). */
  readonly maxCommentChars: number;
  /** The commit status description's cap (140 on GitHub, 255 on GitLab, Azure's own). */
  readonly maxStatusDescriptionChars: number;
  /** The PR/MR in the integration's repository; null when it does not exist there (404). */
  getPullRequest(pr: string): Promise<PullRequestInfo | null>;
  /**
   * Our sticky comment on the PR: the newest comment written by the token's own identity whose
   * body carries `marker`, searched across every page. `knownId` (remembered from the last
   * delivery) is tried first; a deleted one falls back to the search.
   */
  findComment(pr: string, marker: string, knownId?: string): Promise<CommentRef | null>;
  createComment(pr: string, body: string): Promise<CommentRef>;
  updateComment(pr: string, comment: CommentRef, body: string): Promise<CommentRef>;
  setCommitStatus(input: CommitStatusInput): Promise<void>;
}

/** A test as the summary shows it. */
export interface SummaryTest {
  testId: string;
  title: string;
  titlePath: string[];
  file: string;
  projectName: string;
  /** The first line of its first error in this run, when it failed. */
  error?: string;
  /** Its error signature (errors page grouping), when it failed. */
  errorSignature?: string;
  /** Known flaky (active) before or by this run: its flake rate and 95% interval over the window. */
  flakeRate?: { rate: number; low: number; high: number; runs: number };
  /** Quarantined now (active flaky tests are): CI may ignore its failure. */
  quarantined: boolean;
  /** Its dashboard page. */
  url: string;
}

/** What a pull/merge request summary says about one run, read when the delivery is sent. */
export interface RunSummary {
  project: { id: string; slug: string; name: string };
  run: {
    id: string;
    url: string;
    status: 'passed' | 'failed' | 'interrupted' | 'timedout' | 'running' | 'cancelled';
    source: 'upload' | 'live';
    runName: string | null;
    branch: string | null;
    commit: string | null;
    pr: string;
    durationMs: number;
    totals: { total: number; expected: number; unexpected: number; flaky: number; skipped: number };
    /** Run-level errors (a crashed worker, a config error) of its parts. */
    errors: string[];
  };
  /** Failed, and not known flaky: the ones to look at. */
  realFailures: SummaryTest[];
  /** Failed, and known flaky (so quarantined): likely not the change's fault. */
  flakyFailures: SummaryTest[];
  /** Passed on retry in this run. */
  flakyInRun: SummaryTest[];
  /** First detected as flaky by this run. */
  newlyDetected: SummaryTest[];
  /** Every failure belongs to a quarantined test and the run has no run-level error. */
  allFailuresQuarantined: boolean;
  /** FLAKE_WINDOW_DAYS, for "flake rate over N days". */
  windowDays: number;
}
