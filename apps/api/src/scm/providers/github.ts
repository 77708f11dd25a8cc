import { requestAllPages, requestJson, type RequestOptions } from '../http.ts';
import type {
  CiProvider,
  CommentRef,
  CommitStatusInput,
  PullRequestInfo,
  ScmTarget,
} from '../types.ts';
import { isNotFound, requireDescriptionWithin, requireNumericId } from './shared.ts';

interface GithubComment {
  id: number;
  body?: string | null;
  html_url?: string;
  issue_url?: string;
  user?: { login?: string } | null;
}

interface GithubPull {
  number: number;
  state: string;
  merged_at?: string | null;
  html_url?: string;
  head: { sha: string; ref: string };
}

/**
 * GitHub REST (github.com at https://api.github.com, Enterprise Server at https://HOST/api/v3).
 * PR conversation comments are issue comments ("every pull request is an issue").
 */
export class GithubProvider implements CiProvider {
  readonly name = 'github' as const;
  readonly maxCommentChars = 65_536;
  readonly maxStatusDescriptionChars = 140;
  private readonly repoPath: string;
  private login: Promise<string> | undefined;

  constructor(private readonly target: ScmTarget) {
    const [owner, repo, ...rest] = target.repository.split('/');
    if (!owner || !repo || rest.length > 0) {
      throw new Error(
        `GitHub repository must be owner/repo, not ${JSON.stringify(target.repository)}`,
      );
    }
    this.repoPath = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  }

  async getPullRequest(pr: string): Promise<PullRequestInfo | null> {
    const number = requireNumericId(pr, 'pull request number');
    try {
      const { json } = await this.request({
        method: 'GET',
        path: `${this.repoPath}/pulls/${number}`,
      });
      const pull = json as GithubPull;
      return {
        number: String(pull.number),
        headSha: pull.head.sha,
        state: pull.merged_at ? 'merged' : pull.state === 'open' ? 'open' : 'closed',
        sourceBranch: pull.head.ref,
        webUrl: pull.html_url,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async findComment(pr: string, marker: string, knownId?: string): Promise<CommentRef | null> {
    const number = requireNumericId(pr, 'pull request number');
    const login = await this.identity();
    const ours = (comment: GithubComment): boolean =>
      comment.user?.login === login && (comment.body ?? '').includes(marker);

    if (knownId !== undefined && /^[1-9]\d{0,18}$/.test(knownId)) {
      try {
        const { json } = await this.request({
          method: 'GET',
          path: `${this.repoPath}/issues/comments/${knownId}`,
        });
        const comment = json as GithubComment;
        if (ours(comment) && (comment.issue_url ?? '').endsWith(`/issues/${number}`)) {
          return toRef(comment);
        }
      } catch (error) {
        // Deleted by someone: search the PR instead.
        if (!isNotFound(error)) throw error;
      }
    }

    const comments = await requestAllPages<GithubComment>(this.target, {
      method: 'GET',
      path: `${this.repoPath}/issues/${number}/comments`,
      query: { per_page: '100' },
      headers: this.headers(),
    });
    let newest: GithubComment | undefined;
    for (const comment of comments) {
      if (ours(comment) && (newest === undefined || comment.id > newest.id)) newest = comment;
    }
    return newest ? toRef(newest) : null;
  }

  async createComment(pr: string, body: string): Promise<CommentRef> {
    const number = requireNumericId(pr, 'pull request number');
    const { json } = await this.request({
      method: 'POST',
      path: `${this.repoPath}/issues/${number}/comments`,
      body: { body },
    });
    return toRef(json as GithubComment);
  }

  async updateComment(_pr: string, comment: CommentRef, body: string): Promise<CommentRef> {
    const id = requireNumericId(comment.id, 'comment id');
    const { json } = await this.request({
      method: 'PATCH',
      path: `${this.repoPath}/issues/comments/${id}`,
      body: { body },
    });
    return toRef(json as GithubComment);
  }

  async setCommitStatus(input: CommitStatusInput): Promise<void> {
    requireDescriptionWithin(input.description, this.maxStatusDescriptionChars, 'GitHub');
    if (!/^[0-9a-f]{7,64}$/i.test(input.sha)) throw new Error('Not a commit SHA');
    await this.request({
      method: 'POST',
      path: `${this.repoPath}/statuses/${input.sha}`,
      body: {
        state: input.state,
        target_url: input.targetUrl,
        description: input.description,
        context: input.context,
      },
    });
  }

  /** The token's login, asked once per provider instance. */
  private identity(): Promise<string> {
    this.login ??= this.request({ method: 'GET', path: '/user' }).then(
      ({ json }) => (json as { login: string }).login,
      (error: unknown) => {
        this.login = undefined;
        throw error;
      },
    );
    return this.login;
  }

  private request(options: RequestOptions) {
    return requestJson(this.target, { ...options, headers: this.headers() });
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.target.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    };
  }
}

function toRef(comment: GithubComment): CommentRef {
  return { id: String(comment.id), url: comment.html_url, body: comment.body ?? undefined };
}
