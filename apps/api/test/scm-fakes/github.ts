import {
  bearerToken,
  charCount,
  emptyState,
  makeUser,
  paginate,
  repoOf,
  startFakeServer,
  type FakeComment,
  type FakeReply,
  type FakeRepo,
  type FakeServer,
  type FakeUser,
  type RouteContext,
} from './core.ts';

/**
 * A fake GitHub REST API (2022-11-28): pulls/get, issue comments (list, get, create, update),
 * commit statuses and /user, with GitHub's limits: 401 for an unknown token, 404 for an unknown
 * repository, PR or comment, 422 for a comment over 65,536 characters or a status description
 * over 140, and comment pages of 30 by default, at most 100, linked with `Link` headers.
 */

export interface FakeGithubOptions {
  /** `/api/v3` for an Enterprise Server base URL; '' for api.github.com. */
  prefix?: string;
  /** The token the provider under test uses, and whose it is. */
  token?: string;
  user?: FakeUser;
}

export interface FakeGithub extends FakeServer {
  /** The identity of `options.token`. */
  user: FakeUser;
  commentsOf(repo: string, pr: number): FakeComment[];
}

const maxCommentChars = 65_536;
const maxDescriptionChars = 140;

export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const state = emptyState();
  const user = options.user ?? makeUser('flackyness-bot', 501);
  state.tokens.set(options.token ?? 'ghp_test_token', user);
  const prefix = options.prefix ?? '';
  let apiBase = '';

  const authed =
    (handle: (context: RouteContext, me: FakeUser) => FakeReply) =>
    (context: RouteContext): FakeReply =>
      context.user ? handle(context, context.user) : error(401, 'Bad credentials');

  const withRepo =
    (handle: (context: RouteContext, repo: FakeRepo, me: FakeUser) => FakeReply) =>
    (context: RouteContext): FakeReply =>
      authed((c, me) => {
        const repo = repoOf(state, `${c.params.owner}/${c.params.repo}`);
        return repo ? handle(c, repo, me) : error(404, 'Not Found');
      })(context);

  const commentJson = (repo: FakeRepo, comment: FakeComment) => ({
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${apiBase}/repos/${repo.name}/issues/comments/${comment.id}`,
    html_url: `https://github.example/${repo.name}/pull/${comment.pr}#issuecomment-${comment.id}`,
    issue_url: `${apiBase}/repos/${repo.name}/issues/${comment.pr}`,
    body: comment.body,
    user: { login: comment.author.login, id: comment.author.id, type: 'User' },
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'MEMBER',
  });

  const tooLong = (body: string): FakeReply | undefined =>
    charCount(body) > maxCommentChars
      ? validationFailed(
          'IssueComment',
          'body',
          `Body is too long (maximum is ${maxCommentChars} characters)`,
        )
      : undefined;

  const fake = await startFakeServer({
    contract: 'github',
    prefix,
    apiPath: '',
    state,
    authenticate: (request, s) => {
      const token = bearerToken(request);
      return token === undefined ? undefined : s.tokens.get(token);
    },
    checkRequired: (request) => {
      const missing: string[] = [];
      if (!request.headers['user-agent']) missing.push('GitHub requires a User-Agent header');
      if (request.headers.accept !== 'application/vnd.github+json') {
        missing.push(
          `Accept should be application/vnd.github+json, not ${request.headers.accept ?? '(none)'}`,
        );
      }
      if (request.headers['x-github-api-version'] !== '2022-11-28') {
        missing.push('X-GitHub-Api-Version: 2022-11-28 is required');
      }
      return missing;
    },
    routes: [
      {
        method: 'GET',
        pattern: 'user',
        handle: authed((_c, me) => ({
          status: 200,
          body: { login: me.login, id: me.id, type: 'User' },
        })),
      },
      {
        method: 'GET',
        pattern: 'repos/:owner/:repo/pulls/:number',
        handle: withRepo((c, repo) => {
          const pull = repo.pulls.get(Number(c.params.number));
          if (!pull) return error(404, 'Not Found');
          return {
            status: 200,
            body: {
              number: pull.number,
              state: pull.state === 'open' ? 'open' : 'closed',
              merged_at: pull.state === 'merged' ? '2026-01-02T00:00:00Z' : null,
              html_url: `https://github.example/${repo.name}/pull/${pull.number}`,
              head: { sha: pull.headSha, ref: pull.sourceBranch },
              base: { ref: 'main' },
            },
          };
        }),
      },
      {
        method: 'GET',
        pattern: 'repos/:owner/:repo/issues/:number/comments',
        handle: withRepo((c, repo) => {
          const pr = Number(c.params.number);
          if (!repo.pulls.has(pr)) return error(404, 'Not Found');
          // Ascending id, as GitHub lists them.
          const all = repo.comments.filter((x) => x.pr === pr).sort((a, b) => a.id - b.id);
          const { page, headers } = paginate(all, c.url, { defaultPerPage: 30, maxPerPage: 100 });
          return { status: 200, headers, body: page.map((x) => commentJson(repo, x)) };
        }),
      },
      {
        method: 'POST',
        pattern: 'repos/:owner/:repo/issues/:number/comments',
        handle: withRepo((c, repo, me) => {
          const pr = Number(c.params.number);
          if (!repo.pulls.has(pr)) return error(404, 'Not Found');
          const body = (c.request.body as { body: string }).body;
          const rejected = tooLong(body);
          if (rejected) return rejected;
          const now = new Date().toISOString();
          const comment: FakeComment = {
            id: state.nextId++,
            pr,
            author: me,
            body,
            system: false,
            createdAt: now,
            updatedAt: now,
          };
          repo.comments.push(comment);
          return { status: 201, body: commentJson(repo, comment) };
        }),
      },
      {
        method: 'GET',
        pattern: 'repos/:owner/:repo/issues/comments/:id',
        handle: withRepo((c, repo) => {
          const comment = repo.comments.find((x) => x.id === Number(c.params.id));
          return comment
            ? { status: 200, body: commentJson(repo, comment) }
            : error(404, 'Not Found');
        }),
      },
      {
        method: 'PATCH',
        pattern: 'repos/:owner/:repo/issues/comments/:id',
        handle: withRepo((c, repo, me) => {
          const comment = repo.comments.find((x) => x.id === Number(c.params.id));
          if (!comment) return error(404, 'Not Found');
          if (comment.author.id !== me.id)
            return error(403, 'Must have admin rights to Repository.');
          const body = (c.request.body as { body: string }).body;
          const rejected = tooLong(body);
          if (rejected) return rejected;
          comment.body = body;
          comment.updatedAt = new Date().toISOString();
          return { status: 200, body: commentJson(repo, comment) };
        }),
      },
      {
        method: 'POST',
        pattern: 'repos/:owner/:repo/statuses/:sha',
        handle: withRepo((c, repo, me) => {
          const input = c.request.body as {
            state: string;
            target_url?: string | null;
            description?: string | null;
            context?: string;
          };
          if (input.description && charCount(input.description) > maxDescriptionChars) {
            return validationFailed(
              'Status',
              'description',
              `description is too long (maximum is ${maxDescriptionChars} characters)`,
            );
          }
          repo.statuses.push({
            sha: c.params.sha,
            state: input.state,
            context: input.context ?? 'default',
            description: input.description,
            targetUrl: input.target_url,
            author: me,
          });
          return {
            status: 201,
            body: { id: state.nextId++, state: input.state, context: input.context ?? 'default' },
          };
        }),
      },
    ],
  });
  apiBase = fake.baseUrl;

  return {
    ...fake,
    user,
    commentsOf: (repo, pr) => (repoOf(state, repo)?.comments ?? []).filter((x) => x.pr === pr),
  };
}

function error(status: number, message: string): FakeReply {
  return {
    status,
    body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
  };
}

function validationFailed(resource: string, field: string, message: string): FakeReply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code: 'custom', field, message }],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}
