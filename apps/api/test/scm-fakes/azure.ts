import {
  charCount,
  emptyState,
  makeUser,
  repoOf,
  startFakeServer,
  type FakeReply,
  type FakeRepo,
  type FakeServer,
  type FakeThread,
  type FakeThreadComment,
  type FakeUser,
  type RouteContext,
} from './core.ts';

/**
 * A fake Azure DevOps REST 7.1 (git area): pull requests, PR threads (list, get, create), thread
 * comment updates, PR and commit statuses, with its behaviour: `api-version` on every request,
 * Basic auth with a PAT (401 otherwise), 404 (TF401180-style) for an unknown repository or PR,
 * a 400 for a comment over 150,000 characters, and threads listed in one answer.
 */

export interface FakeAzureOptions {
  /** An Azure DevOps Server virtual directory, e.g. `/tfs`; '' for dev.azure.com. */
  prefix?: string;
  token?: string;
  user?: FakeUser;
}

export interface FakeAzure extends FakeServer {
  user: FakeUser;
  threadsOf(repository: string, pr: number): FakeThread[];
  /** Seeds a thread whose first comment is `content` by `author`. */
  seedThread(
    repository: string,
    pr: number,
    author: FakeUser,
    content: string,
    properties?: Record<string, unknown>,
  ): FakeThread;
}

const maxCommentChars = 150_000;
const threadStatuses = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];

export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const state = emptyState();
  const user = options.user ?? makeUser('Flackyness Bot', 701);
  state.tokens.set(options.token ?? 'azure-pat-test', user);
  const prefix = options.prefix ?? '';

  const withPull =
    (handle: (context: RouteContext, repo: FakeRepo, pr: number, me: FakeUser) => FakeReply) =>
    (context: RouteContext): FakeReply => {
      if (!context.user) {
        return {
          status: 401,
          body: { message: 'TF400813: The user is not authorized to access this resource.' },
        };
      }
      const { org, project, repo: name } = context.params;
      const repo = repoOf(state, `${org}/${project}/${name}`);
      if (!repo) {
        return error(
          404,
          `TF401019: The Git repository with name or identifier ${name} does not exist or you do not have permissions for the operation you are attempting.`,
        );
      }
      const pr = Number(context.params.pr);
      if (context.params.pr !== undefined && !repo.pulls.has(pr)) {
        return error(404, 'TF401180: The requested pull request was not found.');
      }
      return handle(context, repo, pr, context.user);
    };

  const identity = (u: FakeUser) => ({
    id: u.azureId,
    displayName: u.login,
    uniqueName: `${u.login}@example.com`,
  });
  const commentJson = (c: FakeThreadComment) => ({
    id: c.id,
    parentCommentId: c.parentCommentId,
    author: identity(c.author),
    content: c.content,
    isDeleted: c.isDeleted,
    commentType: 'text',
    publishedDate: '2026-01-01T00:00:00Z',
  });
  const threadJson = (t: FakeThread) => ({
    id: t.id,
    status: threadStatuses[t.status] ?? 'unknown',
    comments: t.comments.map(commentJson),
    properties: t.properties,
    isDeleted: t.isDeleted,
    publishedDate: '2026-01-01T00:00:00Z',
  });
  const tooLong = (content: string): FakeReply | undefined =>
    charCount(content) > maxCommentChars
      ? error(
          400,
          `A discussion comment cannot be longer than ${maxCommentChars} characters.\r\nParameter name: comment.Content`,
        )
      : undefined;
  const repoBase = ':org/:project/_apis/git/repositories/:repo';

  const fake = await startFakeServer({
    contract: 'azure',
    prefix,
    apiPath: '',
    state,
    authenticate: (request, s) => {
      const header = request.headers.authorization ?? '';
      if (!header.startsWith('Basic ')) return undefined;
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon === -1 ? undefined : s.tokens.get(decoded.slice(colon + 1));
    },
    checkRequired: (request) =>
      request.query.get('api-version') === '7.1'
        ? []
        : ['Azure DevOps requires api-version=7.1 on every request'],
    routes: [
      {
        method: 'GET',
        pattern: `${repoBase}/pullrequests/:pr`,
        handle: withPull((c, repo, pr) => {
          const pull = repo.pulls.get(pr)!;
          const status =
            pull.state === 'open' ? 'active' : pull.state === 'merged' ? 'completed' : 'abandoned';
          return {
            status: 200,
            body: {
              pullRequestId: pr,
              status,
              sourceRefName: `refs/heads/${pull.sourceBranch}`,
              targetRefName: 'refs/heads/main',
              lastMergeSourceCommit: { commitId: pull.headSha },
              repository: {
                id: 'r-1',
                name: c.params.repo,
                webUrl: `${fake.baseUrl}/${repo.name}`,
              },
            },
          };
        }),
      },
      {
        method: 'GET',
        pattern: `${repoBase}/pullRequests/:pr/threads`,
        handle: withPull((_c, repo, pr) => {
          const threads = repo.threads.filter((t) => t.pr === pr);
          return { status: 200, body: { value: threads.map(threadJson), count: threads.length } };
        }),
      },
      {
        method: 'GET',
        pattern: `${repoBase}/pullRequests/:pr/threads/:thread`,
        handle: withPull((c, repo, pr) => {
          const thread = repo.threads.find((t) => t.pr === pr && t.id === Number(c.params.thread));
          return thread
            ? { status: 200, body: threadJson(thread) }
            : error(404, 'TF401181: The thread was not found.');
        }),
      },
      {
        method: 'POST',
        pattern: `${repoBase}/pullRequests/:pr/threads`,
        handle: withPull((c, repo, pr, me) => {
          const input = c.request.body as {
            comments?: { content?: string; parentCommentId?: number }[];
            status?: number | string;
            properties?: Record<string, unknown>;
          };
          const first = input.comments?.[0];
          if (!first?.content) return error(400, 'The thread must have at least one comment.');
          const rejected = tooLong(first.content);
          if (rejected) return rejected;
          const status =
            typeof input.status === 'number'
              ? input.status
              : Math.max(0, threadStatuses.indexOf(input.status ?? 'unknown'));
          const thread = addThread(repo, pr, me, first.content, input.properties ?? {}, status);
          return { status: 200, body: threadJson(thread) };
        }),
      },
      {
        method: 'PATCH',
        pattern: `${repoBase}/pullRequests/:pr/threads/:thread/comments/:comment`,
        handle: withPull((c, repo, pr, me) => {
          const thread = repo.threads.find((t) => t.pr === pr && t.id === Number(c.params.thread));
          const comment = thread?.comments.find((x) => x.id === Number(c.params.comment));
          if (!thread || !comment || comment.isDeleted)
            return error(404, 'TF401181: The comment was not found.');
          if (comment.author.id !== me.id)
            return error(403, 'TF401182: Only the author of a comment can edit it.');
          const content = (c.request.body as { content?: string }).content ?? '';
          const rejected = tooLong(content);
          if (rejected) return rejected;
          comment.content = content;
          return { status: 200, body: commentJson(comment) };
        }),
      },
      {
        method: 'POST',
        pattern: `${repoBase}/pullRequests/:pr/statuses`,
        handle: withPull((c, repo, pr, me) => {
          const input = c.request.body as {
            state?: string;
            description?: string;
            targetUrl?: string;
            context?: { name?: string; genre?: string };
          };
          if (!input.context?.name) return error(400, 'The status context name is required.');
          const context = input.context.genre
            ? `${input.context.genre}/${input.context.name}`
            : input.context.name;
          repo.statuses.push({
            pr,
            state: input.state ?? 'notSet',
            context,
            description: input.description,
            targetUrl: input.targetUrl,
            author: me,
          });
          return { status: 200, body: { id: state.nextId++, ...input, createdBy: identity(me) } };
        }),
      },
      {
        method: 'POST',
        pattern: `${repoBase}/commits/:sha/statuses`,
        handle: withPull((c, repo, _pr, me) => {
          const input = c.request.body as {
            state?: string;
            description?: string;
            targetUrl?: string;
            context?: { name?: string; genre?: string };
          };
          const context = input.context?.genre
            ? `${input.context.genre}/${input.context.name}`
            : (input.context?.name ?? '');
          repo.statuses.push({
            sha: c.params.sha,
            state: input.state ?? 'notSet',
            context,
            description: input.description,
            targetUrl: input.targetUrl,
            author: me,
          });
          return { status: 201, body: { id: state.nextId++, ...input } };
        }),
      },
    ],
  });

  function addThread(
    repo: FakeRepo,
    pr: number,
    author: FakeUser,
    content: string,
    properties: Record<string, unknown>,
    status: number,
  ): FakeThread {
    const thread: FakeThread = {
      id: state.nextId++,
      pr,
      status,
      properties,
      isDeleted: false,
      comments: [{ id: 1, parentCommentId: 0, author, content, isDeleted: false }],
    };
    repo.threads.push(thread);
    return thread;
  }

  return {
    ...fake,
    user,
    threadsOf: (repository, pr) =>
      (repoOf(state, repository)?.threads ?? []).filter((t) => t.pr === pr),
    seedThread: (repository, pr, author, content, properties = {}) => {
      const repo = repoOf(state, repository);
      if (!repo) throw new Error(`seed the repository ${repository} first`);
      return addThread(repo, pr, author, content, properties, 4);
    },
  };
}

function error(status: number, message: string): FakeReply {
  return { status, body: { $id: '1', message, typeKey: 'FakeAzureException', errorCode: 0 } };
}
