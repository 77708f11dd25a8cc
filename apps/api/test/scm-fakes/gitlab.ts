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
 * A fake GitLab REST v4: merge requests, MR notes (list, get, create, update), commit statuses
 * and /user, with GitLab's behaviour: 401 for an unknown token (Bearer or PRIVATE-TOKEN), 404 for
 * an unknown project (addressed by its encoded path), MR or note, system notes in the list, note
 * pages of 20 by default and at most 100 with `Link` headers, a 400 for a note over 1,000,000
 * characters or a status field over 255, and the status state machine's 400 "Cannot transition
 * status" when the same state is posted twice for a SHA and name.
 */

export interface FakeGitlabOptions {
  /** A relative URL root of a self-managed instance, e.g. `/gitlab`; the API is below it at /api/v4. */
  prefix?: string;
  token?: string;
  user?: FakeUser;
}

export interface FakeGitlab extends FakeServer {
  user: FakeUser;
  notesOf(project: string, iid: number): FakeComment[];
}

const maxNoteChars = 1_000_000;
const maxStatusFieldChars = 255;
const statusEvent: Record<string, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'success',
  failed: 'drop',
  canceled: 'cancel',
  skipped: 'skip',
};

export async function startFakeGitlab(options: FakeGitlabOptions = {}): Promise<FakeGitlab> {
  const state = emptyState();
  const user = options.user ?? makeUser('flackyness-bot', 601);
  state.tokens.set(options.token ?? 'glpat-test-token', user);
  const prefix = options.prefix ?? '';
  let webBase = '';

  const withProject =
    (handle: (context: RouteContext, repo: FakeRepo, me: FakeUser) => FakeReply) =>
    (context: RouteContext): FakeReply => {
      if (!context.user) return { status: 401, body: { message: '401 Unauthorized' } };
      const repo = repoOf(state, context.params.id ?? '');
      return repo ? handle(context, repo, context.user) : notFound('Project');
    };
  const withMergeRequest = (
    handle: (context: RouteContext, repo: FakeRepo, iid: number, me: FakeUser) => FakeReply,
  ) =>
    withProject((c, repo, me) => {
      const iid = Number(c.params.iid);
      return repo.pulls.has(iid) ? handle(c, repo, iid, me) : notFound('Merge Request');
    });

  const noteJson = (note: FakeComment) => ({
    id: note.id,
    type: null,
    body: note.body,
    author: { id: note.author.id, username: note.author.login, name: note.author.login },
    created_at: note.createdAt,
    updated_at: note.updatedAt,
    system: note.system,
    noteable_id: 90_000 + note.pr,
    noteable_type: 'MergeRequest',
    noteable_iid: note.pr,
    resolvable: false,
  });
  const noteTooLong = (body: string): FakeReply | undefined =>
    charCount(body) > maxNoteChars
      ? {
          status: 400,
          body: { message: { note: [`is too long (maximum is ${maxNoteChars} characters)`] } },
        }
      : undefined;

  const fake = await startFakeServer({
    contract: 'gitlab',
    prefix,
    apiPath: '/api/v4',
    state,
    authenticate: (request, s) => {
      const token = bearerToken(request) ?? request.headers['private-token'];
      return token === undefined ? undefined : s.tokens.get(token);
    },
    checkRequired: () => [],
    routes: [
      {
        method: 'GET',
        pattern: 'user',
        handle: (c) =>
          c.user
            ? { status: 200, body: { id: c.user.id, username: c.user.login, name: c.user.login } }
            : { status: 401, body: { message: '401 Unauthorized' } },
      },
      {
        method: 'GET',
        pattern: 'projects/:id/merge_requests/:iid',
        handle: withMergeRequest((_c, repo, iid) => {
          const mr = repo.pulls.get(iid)!;
          return {
            status: 200,
            body: {
              id: 90_000 + iid,
              iid,
              state: mr.state === 'open' ? 'opened' : mr.state,
              sha: mr.headSha,
              source_branch: mr.sourceBranch,
              target_branch: 'main',
              web_url: `${webBase}/${repo.name}/-/merge_requests/${iid}`,
            },
          };
        }),
      },
      {
        method: 'GET',
        pattern: 'projects/:id/merge_requests/:iid/notes',
        handle: withMergeRequest((c, repo, iid) => {
          const ascending = c.url.searchParams.get('sort') === 'asc';
          const byUpdated = c.url.searchParams.get('order_by') === 'updated_at';
          const key = (n: FakeComment) =>
            (byUpdated ? n.updatedAt : n.createdAt) + String(n.id).padStart(12, '0');
          const all = repo.comments
            .filter((n) => n.pr === iid)
            .sort((a, b) => (ascending ? 1 : -1) * key(a).localeCompare(key(b)));
          const { page, headers } = paginate(all, c.url, { defaultPerPage: 20, maxPerPage: 100 });
          return { status: 200, headers, body: page.map(noteJson) };
        }),
      },
      {
        method: 'POST',
        pattern: 'projects/:id/merge_requests/:iid/notes',
        handle: withMergeRequest((c, repo, iid, me) => {
          const body = String((c.request.body as { body?: string | null }).body ?? '');
          if (body === '')
            return { status: 400, body: { message: '400 Bad request - body is missing' } };
          const rejected = noteTooLong(body);
          if (rejected) return rejected;
          const now = new Date().toISOString();
          const note: FakeComment = {
            id: state.nextId++,
            pr: iid,
            author: me,
            body,
            system: false,
            createdAt: now,
            updatedAt: now,
          };
          repo.comments.push(note);
          return { status: 201, body: noteJson(note) };
        }),
      },
      {
        method: 'GET',
        pattern: 'projects/:id/merge_requests/:iid/notes/:noteId',
        handle: withMergeRequest((c, repo, iid) => {
          const note = repo.comments.find((n) => n.id === Number(c.params.noteId) && n.pr === iid);
          return note ? { status: 200, body: noteJson(note) } : notFound('Note');
        }),
      },
      {
        method: 'PUT',
        pattern: 'projects/:id/merge_requests/:iid/notes/:noteId',
        handle: withMergeRequest((c, repo, iid, me) => {
          const note = repo.comments.find((n) => n.id === Number(c.params.noteId) && n.pr === iid);
          if (!note) return notFound('Note');
          if (note.author.id !== me.id) return { status: 403, body: { message: '403 Forbidden' } };
          const body = String((c.request.body as { body?: string | null } | undefined)?.body ?? '');
          const rejected = noteTooLong(body);
          if (rejected) return rejected;
          note.body = body;
          note.updatedAt = new Date().toISOString();
          return { status: 200, body: noteJson(note) };
        }),
      },
      {
        method: 'POST',
        pattern: 'projects/:id/statuses/:sha',
        handle: withProject((c, repo, me) => {
          const input = c.request.body as {
            state: string;
            ref?: string | null;
            name?: string | null;
            context?: string | null;
            target_url?: string | null;
            description?: string | null;
          };
          for (const field of ['ref', 'target_url', 'description'] as const) {
            const value = input[field];
            if (value && charCount(value) > maxStatusFieldChars) {
              return {
                status: 400,
                body: { message: `${field} is too long (maximum is 255 characters)` },
              };
            }
          }
          const name = input.name ?? input.context ?? 'default';
          const previous = repo.statuses.findLast(
            (s) => s.sha === c.params.sha && s.context === name,
          );
          // The same state again, or back from running to pending, is no transition GitLab knows.
          const stuck =
            previous !== undefined &&
            (previous.state === input.state ||
              (previous.state === 'running' && input.state === 'pending'));
          if (stuck) {
            return {
              status: 400,
              body: {
                message: `Cannot transition status via :${statusEvent[input.state] ?? input.state} from :${previous.state}`,
              },
            };
          }
          repo.statuses.push({
            sha: c.params.sha,
            state: input.state,
            context: name,
            description: input.description,
            targetUrl: input.target_url,
            ref: input.ref,
            author: me,
          });
          return {
            status: 201,
            body: {
              id: state.nextId++,
              sha: c.params.sha,
              status: input.state,
              name,
              ref: input.ref ?? null,
            },
          };
        }),
      },
    ],
  });
  webBase = `${fake.origin}${prefix}`;

  return {
    ...fake,
    user,
    notesOf: (project, iid) => (repoOf(state, project)?.comments ?? []).filter((n) => n.pr === iid),
  };
}

function notFound(what: string): FakeReply {
  return { status: 404, body: { message: `404 ${what} Not Found` } };
}
