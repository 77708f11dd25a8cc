import { ScmHttpError, requestAllPages, requestJson, type RequestOptions } from '../http.ts';
import type {
  CiProvider,
  CommentRef,
  CommitState,
  CommitStatusInput,
  PullRequestInfo,
  ScmTarget,
} from '../types.ts';
import { isNotFound, requireDescriptionWithin, requireNumericId } from './shared.ts';

interface GitlabNote {
  id: number;
  body?: string | null;
  system?: boolean;
  author?: { id?: number } | null;
}

interface GitlabMergeRequest {
  iid: number;
  sha: string | null;
  state: string;
  source_branch: string;
  web_url?: string;
  diff_refs?: { head_sha?: string } | null;
}

/** GitLab has no `error` state; both of ours are a failed check. */
const stateOf: Record<CommitState, string> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/**
 * GitLab REST v4 (gitlab.com at https://gitlab.com/api/v4, self-managed at
 * https://HOST[/prefix]/api/v4). The project is addressed by its path, encoded as one segment.
 */
export class GitlabProvider implements CiProvider {
  readonly name = 'gitlab' as const;
  readonly maxCommentChars = 1_000_000;
  readonly maxStatusDescriptionChars = 255;
  private readonly projectPath: string;
  private userId: Promise<number> | undefined;
  /** Merge request pages by IID, to give a note its URL. */
  private readonly webUrls = new Map<string, string>();

  constructor(private readonly target: ScmTarget) {
    this.projectPath = `/projects/${encodeURIComponent(target.repository)}`;
  }

  async getPullRequest(pr: string): Promise<PullRequestInfo | null> {
    const iid = requireNumericId(pr, 'merge request IID');
    try {
      const { json } = await this.request({
        method: 'GET',
        path: `${this.projectPath}/merge_requests/${iid}`,
      });
      const mr = json as GitlabMergeRequest;
      if (mr.web_url) this.webUrls.set(iid, mr.web_url);
      return {
        number: String(mr.iid),
        headSha: mr.sha ?? mr.diff_refs?.head_sha ?? '',
        state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
        sourceBranch: mr.source_branch,
        webUrl: mr.web_url,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async findComment(pr: string, marker: string, knownId?: string): Promise<CommentRef | null> {
    const iid = requireNumericId(pr, 'merge request IID');
    const userId = await this.identity();
    const ours = (note: GitlabNote): boolean =>
      note.system !== true && note.author?.id === userId && (note.body ?? '').includes(marker);

    if (knownId !== undefined && /^[1-9]\d{0,18}$/.test(knownId)) {
      try {
        // Scoped to this MR: a note of another MR is a 404 here.
        const { json } = await this.request({
          method: 'GET',
          path: `${this.notesPath(iid)}/${knownId}`,
        });
        if (ours(json as GitlabNote)) return this.toRef(iid, json as GitlabNote);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }

    const notes = await requestAllPages<GitlabNote>(this.target, {
      method: 'GET',
      path: this.notesPath(iid),
      query: { per_page: '100', sort: 'asc', order_by: 'created_at' },
      headers: this.headers(),
    });
    let newest: GitlabNote | undefined;
    for (const note of notes) {
      if (ours(note) && (newest === undefined || note.id > newest.id)) newest = note;
    }
    return newest ? this.toRef(iid, newest) : null;
  }

  async createComment(pr: string, body: string): Promise<CommentRef> {
    const iid = requireNumericId(pr, 'merge request IID');
    const { json } = await this.request({
      method: 'POST',
      path: this.notesPath(iid),
      body: { body },
    });
    return this.toRef(iid, json as GitlabNote);
  }

  async updateComment(pr: string, comment: CommentRef, body: string): Promise<CommentRef> {
    const iid = requireNumericId(pr, 'merge request IID');
    const id = requireNumericId(comment.id, 'note id');
    const { json } = await this.request({
      method: 'PUT',
      path: `${this.notesPath(iid)}/${id}`,
      body: { body },
    });
    return this.toRef(iid, json as GitlabNote);
  }

  async setCommitStatus(input: CommitStatusInput): Promise<void> {
    requireDescriptionWithin(input.description, this.maxStatusDescriptionChars, 'GitLab');
    if (!/^[0-9a-f]{7,64}$/i.test(input.sha)) throw new Error('Not a commit SHA');
    try {
      await this.request({
        method: 'POST',
        path: `${this.projectPath}/statuses/${input.sha}`,
        body: {
          state: stateOf[input.state],
          // Attaches the status to the MR's pipeline rather than the first branch holding the commit.
          ref: input.pr.sourceBranch,
          name: input.context,
          target_url: input.targetUrl,
          description: input.description,
        },
      });
    } catch (error) {
      // The same state posted twice: the commit already shows what we meant.
      if (
        error instanceof ScmHttpError &&
        error.status === 400 &&
        (error.platformMessage ?? '').includes('Cannot transition status')
      ) {
        return;
      }
      throw error;
    }
  }

  private notesPath(iid: string): string {
    return `${this.projectPath}/merge_requests/${iid}/notes`;
  }

  private toRef(iid: string, note: GitlabNote): CommentRef {
    const webUrl = this.webUrls.get(iid);
    return {
      id: String(note.id),
      url: webUrl ? `${webUrl}#note_${note.id}` : undefined,
      body: note.body ?? undefined,
    };
  }

  /** The token's user id, asked once per provider instance. */
  private identity(): Promise<number> {
    this.userId ??= this.request({ method: 'GET', path: '/user' }).then(
      ({ json }) => (json as { id: number }).id,
      (error: unknown) => {
        this.userId = undefined;
        throw error;
      },
    );
    return this.userId;
  }

  private request(options: RequestOptions) {
    return requestJson(this.target, { ...options, headers: this.headers() });
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.target.token}` };
  }
}
