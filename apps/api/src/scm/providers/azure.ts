import { requestJson, type RequestOptions } from '../http.ts';
import type {
  CiProvider,
  CommentRef,
  CommitState,
  CommitStatusInput,
  PullRequestInfo,
  ScmTarget,
} from '../types.ts';
import { isNotFound, requireDescriptionWithin, requireNumericId } from './shared.ts';

const apiVersion = '7.1';
/** The thread property that marks our summary thread (set through the API only; the web UI cannot). */
export const azureMarkerProperty = 'flackyness.marker';
/** Threads come in one answer; a continuation token is followed this many times at most. */
const maxContinuations = 50;

interface AzureComment {
  id: number;
  parentCommentId?: number;
  content?: string | null;
  isDeleted?: boolean;
  author?: { id?: string } | null;
}

interface AzureThread {
  id: number;
  isDeleted?: boolean;
  comments?: AzureComment[];
  properties?: Record<string, unknown> | null;
}

interface AzurePullRequest {
  pullRequestId: number;
  status: string;
  sourceRefName: string;
  lastMergeSourceCommit?: { commitId?: string } | null;
  repository?: { webUrl?: string } | null;
}

const stateOf: Record<CommitState, string> = {
  pending: 'pending',
  success: 'succeeded',
  failure: 'failed',
  error: 'error',
};

/**
 * Azure DevOps REST 7.1 (https://dev.azure.com, or an Azure DevOps Server URL whose first
 * repository segment is the collection). The sticky comment is the first comment of a closed
 * thread carrying our marker as a thread property; statuses are pull request statuses, which
 * sidestep the merge-commit SHA of PR builds.
 *
 * Whose thread it is: the published git 7.1 contract has no "who am I" operation (connectionData
 * lives outside it, preview-only), so the identity is the author of a thread we know we wrote:
 * the one we created in this instance, or the remembered `knownId`. Without either, the thread
 * property (which only an API client can set) and the content marker decide alone.
 */
export class AzureDevOpsProvider implements CiProvider {
  readonly name = 'azure' as const;
  readonly maxCommentChars = 150_000;
  /** Azure documents no cap; GitLab's 255 keeps the PR status panel readable. */
  readonly maxStatusDescriptionChars = 255;
  private readonly repoPath: string;
  private identityId: string | undefined;

  constructor(private readonly target: ScmTarget) {
    const segments = target.repository.split('/');
    if (segments.length !== 3 || segments.some((s) => s === '')) {
      throw new Error(
        `Azure DevOps repository must be organization/project/repository, not ${JSON.stringify(target.repository)}`,
      );
    }
    const [org, project, repo] = segments.map(encodeURIComponent) as [string, string, string];
    this.repoPath = `/${org}/${project}/_apis/git/repositories/${repo}`;
  }

  async getPullRequest(pr: string): Promise<PullRequestInfo | null> {
    const id = requireNumericId(pr, 'pull request id');
    try {
      const { json } = await this.request({
        method: 'GET',
        path: `${this.repoPath}/pullrequests/${id}`,
      });
      const pull = json as AzurePullRequest;
      const state =
        pull.status === 'active' ? 'open' : pull.status === 'completed' ? 'merged' : 'closed';
      const webUrl = pull.repository?.webUrl;
      return {
        number: String(pull.pullRequestId),
        headSha: pull.lastMergeSourceCommit?.commitId ?? '',
        state,
        sourceBranch: pull.sourceRefName.startsWith('refs/heads/')
          ? pull.sourceRefName.slice('refs/heads/'.length)
          : pull.sourceRefName,
        webUrl: webUrl ? `${webUrl}/pullrequest/${pull.pullRequestId}` : undefined,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async findComment(pr: string, marker: string, knownId?: string): Promise<CommentRef | null> {
    const id = requireNumericId(pr, 'pull request id');
    const threads = await this.listThreads(id);
    const candidates = threads.flatMap((thread) => {
      const first = firstComment(thread);
      if (thread.isDeleted || !first || first.isDeleted) return [];
      if (propertyValue(thread.properties, azureMarkerProperty) !== marker) return [];
      if (!(first.content ?? '').includes(marker)) return [];
      return [{ thread, first }];
    });

    // The remembered comment, still ours and still marked, also tells us who "ours" is.
    const known = candidates.find(({ thread, first }) => knownId === `${thread.id}/${first.id}`);
    if (known) {
      this.identityId ??= known.first.author?.id;
      return toRef(known.thread, known.first);
    }
    let newest: (typeof candidates)[number] | undefined;
    for (const candidate of candidates) {
      if (this.identityId !== undefined && candidate.first.author?.id !== this.identityId) continue;
      if (newest === undefined || candidate.thread.id > newest.thread.id) newest = candidate;
    }
    return newest ? toRef(newest.thread, newest.first) : null;
  }

  async createComment(pr: string, body: string): Promise<CommentRef> {
    const id = requireNumericId(pr, 'pull request id');
    const { json } = await this.request({
      method: 'POST',
      path: `${this.repoPath}/pullRequests/${id}/threads`,
      body: {
        comments: [{ parentCommentId: 0, content: body, commentType: 'text' }],
        // Closed, so the summary never blocks a "resolve all comments" branch policy.
        status: 'closed',
        properties: { [azureMarkerProperty]: { $type: 'System.String', $value: markerOf(body) } },
      },
    });
    const thread = json as AzureThread;
    const first = firstComment(thread);
    if (!first) throw new Error('Azure DevOps created a thread without a comment');
    this.identityId ??= first.author?.id;
    return toRef(thread, first);
  }

  async updateComment(pr: string, comment: CommentRef, body: string): Promise<CommentRef> {
    const id = requireNumericId(pr, 'pull request id');
    const [threadId = '', commentId = ''] = comment.id.split('/');
    requireNumericId(threadId, 'thread id');
    requireNumericId(commentId, 'comment id');
    const { json } = await this.request({
      method: 'PATCH',
      path: `${this.repoPath}/pullRequests/${id}/threads/${threadId}/comments/${commentId}`,
      body: { content: body },
    });
    const updated = json as AzureComment;
    return { id: `${threadId}/${updated.id ?? commentId}`, body: updated.content ?? undefined };
  }

  async setCommitStatus(input: CommitStatusInput): Promise<void> {
    requireDescriptionWithin(input.description, this.maxStatusDescriptionChars, 'Azure DevOps');
    const id = requireNumericId(input.pr.number, 'pull request id');
    // `flackyness/playwright` → genre `flackyness`, name `playwright`.
    const slash = input.context.lastIndexOf('/');
    const context =
      slash === -1
        ? { name: input.context }
        : { genre: input.context.slice(0, slash), name: input.context.slice(slash + 1) };
    await this.request({
      method: 'POST',
      path: `${this.repoPath}/pullRequests/${id}/statuses`,
      body: {
        state: stateOf[input.state],
        description: input.description,
        targetUrl: input.targetUrl,
        context,
      },
    });
  }

  private async listThreads(id: string): Promise<AzureThread[]> {
    const threads: AzureThread[] = [];
    let continuationToken: string | undefined;
    for (let page = 0; page <= maxContinuations; page++) {
      const response = await this.request({
        method: 'GET',
        path: `${this.repoPath}/pullRequests/${id}/threads`,
        query: continuationToken ? { continuationToken } : undefined,
      });
      const value = (response.json as { value?: AzureThread[] } | undefined)?.value;
      if (Array.isArray(value)) threads.push(...value);
      const next = response.headers.get('x-ms-continuationtoken');
      if (!next || next === continuationToken) return threads;
      continuationToken = next;
    }
    return threads;
  }

  private request(options: RequestOptions) {
    return requestJson(this.target, {
      ...options,
      query: { ...options.query, 'api-version': apiVersion },
      headers: {
        authorization: `Basic ${Buffer.from(`:${this.target.token}`).toString('base64')}`,
      },
    });
  }
}

/** The thread's opening comment: the one that answers nothing. */
function firstComment(thread: AzureThread): AzureComment | undefined {
  let first: AzureComment | undefined;
  for (const comment of thread.comments ?? []) {
    if ((comment.parentCommentId ?? 0) !== 0) continue;
    if (first === undefined || comment.id < first.id) first = comment;
  }
  return first;
}

/** A PropertiesCollection entry: `{ $type, $value }` as Azure answers it, or a bare value. */
function propertyValue(properties: AzureThread['properties'], key: string): unknown {
  const entry = properties?.[key];
  if (entry && typeof entry === 'object' && '$value' in entry)
    return (entry as { $value: unknown }).$value;
  return entry;
}

/**
 * The body's marker: its first HTML comment (the renderer puts it on the first line). Found with
 * indexOf, so any body costs linear time.
 */
function markerOf(body: string): string {
  const start = body.indexOf('<!--');
  const end = start === -1 ? -1 : body.indexOf('-->', start + 4);
  if (start === -1 || end === -1) {
    throw new Error(
      'An Azure DevOps summary comment must carry its <!-- marker --> (the thread property repeats it)',
    );
  }
  return body.slice(start, end + 3);
}

function toRef(thread: AzureThread, comment: AzureComment): CommentRef {
  return { id: `${thread.id}/${comment.id}`, body: comment.content ?? undefined };
}
