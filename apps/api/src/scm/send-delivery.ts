import type { Sql } from '../db/client.ts';
import type { ClaimedDelivery, DeliveryResult } from '../db/queries/deliveries.ts';
import { forgetComment } from '../db/queries/deliveries.ts';
import { findIntegration } from '../db/queries/integrations.ts';
import type { Logger } from '../logger.ts';
import { commitState, commitStatusDescription, renderPrComment } from './comment.ts';
import { retryDelayMs, ScmHttpError } from './http.ts';
import { summarizeFailures } from './llm-summary.ts';
import { createProvider } from './providers/index.ts';
import { readRunSummary } from './run-summary.ts';
import { integrationTokenContext, openToken, type EncryptionKeys } from './token-keys.ts';
import type { CommentRef, PullRequestInfo, ScmProviderName } from './types.ts';

/** The commit status's name on every platform: a stable one, so a new run replaces the last. */
export const STATUS_CONTEXT = 'flackyness/playwright';

const providerNames: Record<ScmProviderName, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  azure: 'Azure DevOps',
};

/** What sending needs, resolved once by the worker. */
export interface DeliverySettings {
  sql: Sql;
  keys: EncryptionKeys | null;
  logger: Logger;
  publicUrl: string;
  windowDays: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  llm: { url: string; model: string; apiKey?: string; timeoutMs: number } | null;
  fetch?: typeof fetch;
  random?: () => number;
}

/** The hidden marker that finds our comment again: one sticky comment per project and PR. */
export function commentMarker(projectId: string): string {
  return `<!-- flackyness:v1 project=${projectId} -->`;
}

export interface SentDelivery {
  result: DeliveryResult;
  /** The comment written (or found unchanged), remembered for the PR's next delivery. */
  comment?: { id: string; url: string | null; runId: string; runStartedAt: Date };
}

/** Whether the run's commit is the PR's head: a full SHA, or a prefix of at least 7 characters. */
function isHeadCommit(pr: PullRequestInfo, commit: string): boolean {
  const head = pr.headSha.toLowerCase();
  const tested = commit.toLowerCase();
  return head === tested || (tested.length >= 7 && head.startsWith(tested));
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * Sends one claimed delivery: checks the pull/merge request against the integration's repository
 * and the run's commit (the upload says which PR; only the platform says whose it is), then
 * writes the sticky comment and the commit status. Never throws: every end is a DeliveryResult.
 */
export async function sendDelivery(
  settings: DeliverySettings,
  delivery: ClaimedDelivery,
  now: Date,
): Promise<SentDelivery> {
  try {
    return await sendChecked(settings, delivery, now);
  } catch (error) {
    return { result: failure(settings, delivery, error, now) };
  }
}

async function sendChecked(
  settings: DeliverySettings,
  delivery: ClaimedDelivery,
  now: Date,
): Promise<SentDelivery> {
  const { sql } = settings;
  const platform = providerNames[delivery.provider];
  const skip = (reason: string): SentDelivery => ({ result: { kind: 'skipped', reason } });
  const integration = await findIntegration(sql, delivery.projectId, delivery.provider);
  if (!integration) return skip(`The project has no ${platform} integration any more.`);
  if (!integration.comments && !integration.statuses) {
    return skip(`Comments and commit statuses are both off in the ${platform} integration.`);
  }
  if (!delivery.commit) {
    return skip('The run has no commit, so it cannot be matched to the pull request.');
  }
  if (!settings.keys) {
    return {
      result: { kind: 'failed', error: 'ENCRYPTION_KEY is not set.', httpStatus: null },
    };
  }
  const token = openToken(
    settings.keys,
    { ciphertext: integration.tokenCiphertext, keyId: integration.tokenKeyId },
    integrationTokenContext(delivery.projectId, delivery.provider),
  );
  const provider = createProvider(delivery.provider, {
    baseUrl: integration.baseUrl,
    repository: integration.repository,
    token,
    timeoutMs: settings.timeoutMs,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  });
  const repo = integration.repository;

  // The upload names the PR; the platform says whether it is this repository's and this commit's.
  const pr = await provider.getPullRequest(delivery.pr);
  if (!pr) return skip(`Pull request #${delivery.pr} was not found in ${repo}: nothing written.`);
  if (pr.state !== 'open')
    return skip(`Pull request #${pr.number} is ${pr.state}: nothing written.`);
  if (!isHeadCommit(pr, delivery.commit)) {
    return skip(
      `The head of pull request #${pr.number} is ${short(pr.headSha)}, but the run tested ${short(delivery.commit)}: nothing written.`,
    );
  }

  const summary = await readRunSummary(
    sql,
    {
      projectId: delivery.projectId,
      runId: delivery.runId,
      pr: pr.number,
      now,
      windowDays: settings.windowDays,
    },
    {
      run: (runId) => `${settings.publicUrl}/runs/${runId}`,
      test: (testId) => `${settings.publicUrl}/tests/${testId}`,
    },
  );
  if (!summary) return skip('The run was deleted.');

  let comment: SentDelivery['comment'];
  const runStartedAt = summary.startedAt;
  // A run delivered late (a re-upload of an older pipeline) does not replace a newer run's word.
  const newer =
    delivery.commentRunId !== null &&
    delivery.commentRunId !== delivery.runId &&
    delivery.commentRunStartedAt !== null &&
    delivery.commentRunStartedAt.getTime() > runStartedAt.getTime();
  const note = newer
    ? `The pull request shows a newer run (${delivery.commentRunId}); its comment and status were left as they are.`
    : undefined;
  if (integration.comments && !newer) {
    const failures = summary.realFailures.length + summary.flakyFailures.length;
    const aiSummary =
      settings.llm && failures > 0 && summary.run.status !== 'running'
        ? await summarizeFailures(summary, {
            ...settings.llm,
            ...(settings.fetch ? { fetch: settings.fetch } : {}),
          })
        : null;
    const marker = commentMarker(delivery.projectId);
    const body = renderPrComment(summary, {
      provider: delivery.provider,
      marker,
      maxChars: provider.maxCommentChars,
      aiSummary,
    });
    const written = await writeComment(settings, delivery, provider, pr.number, marker, body);
    comment = {
      id: written.id,
      url: written.url ?? null,
      runId: delivery.runId,
      runStartedAt,
    };
  }

  let statusState: string | null = null;
  if (integration.statuses && !newer) {
    const state = commitState(summary);
    await provider.setCommitStatus({
      pr,
      sha: pr.headSha,
      state,
      description: commitStatusDescription(summary, provider.maxStatusDescriptionChars),
      targetUrl: summary.run.url,
      context: STATUS_CONTEXT,
    });
    statusState = state;
  }
  return {
    result: {
      kind: 'delivered',
      commentUrl: comment?.url ?? null,
      statusState,
      ...(note ? { note } : {}),
    },
    ...(comment ? { comment } : {}),
  };
}

/** Updates our comment in place (unchanged: no write at all), or creates it. */
async function writeComment(
  settings: DeliverySettings,
  delivery: ClaimedDelivery,
  provider: ReturnType<typeof createProvider>,
  pr: string,
  marker: string,
  body: string,
): Promise<CommentRef> {
  const existing = await provider.findComment(pr, marker, delivery.knownCommentId ?? undefined);
  if (!existing && delivery.knownCommentId) await forgetComment(settings.sql, delivery);
  if (existing && existing.body === body) return existing;
  if (existing) return provider.updateComment(pr, existing, body);
  return provider.createComment(pr, body);
}

/** A failed send: retried later when the platform may answer otherwise, else failed for good. */
function failure(
  settings: DeliverySettings,
  delivery: ClaimedDelivery,
  error: unknown,
  now: Date,
): DeliveryResult {
  const platform = providerNames[delivery.provider];
  const http = error instanceof ScmHttpError ? error : null;
  // Anything but the platform's own answer (a database hiccup, a bug) is worth another try.
  const retryable = http ? http.retryable : true;
  const message = http
    ? http.status === 401 || http.status === 403
      ? `${platform} refused the token (${http.status}): ${http.message}`
      : http.message
    : `Sending failed: ${(error as Error).message ?? String(error)}`;
  const httpStatus = http && http.status > 0 ? http.status : null;
  if (!http) settings.logger.warn({ err: error, deliveryId: delivery.id }, 'delivery failed');
  if (!retryable) return { kind: 'failed', error: message, httpStatus };
  if (delivery.attempts >= settings.maxAttempts) {
    return {
      kind: 'failed',
      error: `Gave up after ${delivery.attempts} attempts: ${message}`,
      httpStatus,
    };
  }
  const delay = retryDelayMs(delivery.attempts, {
    baseMs: settings.retryBaseMs,
    maxMs: settings.retryMaxMs,
    retryAfterMs: http?.retryAfterMs,
    random: settings.random ?? Math.random,
  });
  return {
    kind: 'retry',
    error: `${message} (attempt ${delivery.attempts} of ${settings.maxAttempts}; retrying)`,
    httpStatus,
    at: new Date(now.getTime() + delay),
  };
}
