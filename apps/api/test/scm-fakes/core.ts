import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, ContractViolation, type ContractName } from '../scm-contracts/contract.ts';

/**
 * The part the three fake platforms share: a node:http server on 127.0.0.1, every request checked
 * against the platform's published operation contract (a violation is answered 400 and recorded
 * in `violations`), recorded in `requests`, optionally answered by an injected failure, then routed
 * to the platform's handlers over a stateful model of repositories, PRs, comments and statuses.
 */

export interface FakeUser {
  /** GitHub/GitLab numeric id; Azure uses `azureId`. */
  id: number;
  login: string;
  /** Azure DevOps identity id (a GUID). */
  azureId: string;
}

export interface FakePull {
  number: number;
  headSha: string;
  state: 'open' | 'closed' | 'merged' | 'locked';
  sourceBranch: string;
}

/** A GitHub issue comment or a GitLab note. */
export interface FakeComment {
  id: number;
  pr: number;
  author: FakeUser;
  body: string;
  system: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FakeThreadComment {
  id: number;
  parentCommentId: number;
  author: FakeUser;
  content: string;
  isDeleted: boolean;
}

/** An Azure DevOps pull request thread. */
export interface FakeThread {
  id: number;
  pr: number;
  status: number;
  properties: Record<string, unknown>;
  comments: FakeThreadComment[];
  isDeleted: boolean;
}

export interface FakeStatus {
  sha?: string;
  pr?: number;
  state: string;
  context: string;
  description?: string | null;
  targetUrl?: string | null;
  ref?: string | null;
  author: FakeUser;
}

export interface FakeRepo {
  name: string;
  pulls: Map<number, FakePull>;
  comments: FakeComment[];
  threads: FakeThread[];
  statuses: FakeStatus[];
}

export interface FakeState {
  /** Valid tokens and whose they are; any other token is a 401. */
  tokens: Map<string, FakeUser>;
  /** By repository (lower-case: the platforms match names case-insensitively). */
  repos: Map<string, FakeRepo>;
  nextId: number;
}

export interface RecordedRequest {
  method: string;
  /** The pathname as received (percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** The contract operation it matched, when it did. */
  operationId?: string;
}

export interface InjectedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** An operationId of the contract, or a predicate over the request. */
export type RequestMatcher = string | ((request: RecordedRequest) => boolean);

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  request: RecordedRequest;
  params: Record<string, string>;
  /** The identity of the request's token, or undefined (the handler answers 401). */
  user: FakeUser | undefined;
  /** The absolute URL of this request, for Link headers. */
  url: URL;
}

export interface Route {
  method: string;
  /** Segments after the API base, `:name` for a parameter (decoded), e.g. `repos/:owner/:repo`. */
  pattern: string;
  handle(context: RouteContext): FakeReply;
}

export interface FakeServerOptions {
  contract: ContractName;
  /** Where the API is mounted below the origin (GHES `/api/v3`, a GitLab relative URL root). */
  prefix: string;
  /** The API's own path below the prefix (GitLab `/api/v4`), part of the contract's templates. */
  apiPath: string;
  routes: Route[];
  /** Headers and query parameters the platform needs even where the description is silent. */
  checkRequired(request: RecordedRequest): string[];
  authenticate(request: RecordedRequest, state: FakeState): FakeUser | undefined;
  state: FakeState;
}

export interface FakeServer {
  /** What a provider's ScmTarget.baseUrl is set to. */
  baseUrl: string;
  origin: string;
  state: FakeState;
  requests: RecordedRequest[];
  /** Contract and required-header violations, one message each; tests expect none. */
  violations: string[];
  /** The next request matching `matcher` is answered with `response` (`times` times). */
  failNext(matcher: RequestMatcher, response: InjectedResponse, times?: number): void;
  close(): Promise<void>;
}

const maxBodyBytes = 16 * 1024 * 1024;

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const injected: { matcher: RequestMatcher; response: InjectedResponse; times: number }[] = [];
  const mount = `${options.prefix}${options.apiPath}`;
  const routes = options.routes.map((route) => ({ ...route, segments: route.pattern.split('/') }));

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      violations.push(`fake crashed: ${error instanceof Error ? error.stack : String(error)}`);
      send(res, { status: 500, body: { message: 'fake server error' } });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const raw = await readBody(req);
    const headers: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        const message = `${req.method} ${url.pathname}: the body is not JSON`;
        violations.push(message);
        return send(res, { status: 400, body: { message } });
      }
    }
    const request: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
    };
    requests.push(request);

    try {
      const match = checkRequest(options.contract, request, { basePath: options.prefix });
      request.operationId = match.operationId;
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      violations.push(error.message);
      return send(res, { status: 400, body: { message: error.message } });
    }
    const missing = options.checkRequired(request);
    if (missing.length > 0) {
      const message = `${request.method} ${request.path}: ${missing.join('; ')}`;
      violations.push(message);
      return send(res, { status: 400, body: { message } });
    }

    const failure = injected.find((entry) =>
      typeof entry.matcher === 'string'
        ? entry.matcher === request.operationId
        : entry.matcher(request),
    );
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) injected.splice(injected.indexOf(failure), 1);
      return send(res, failure.response);
    }

    const segments = url.pathname.startsWith(`${mount}/`)
      ? url.pathname.slice(mount.length + 1).split('/')
      : undefined;
    for (const route of routes) {
      if (route.method !== request.method || !segments) continue;
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      const user = options.authenticate(request, options.state);
      return send(res, route.handle({ request, params, user, url }));
    }
    // The contract knows the operation but this fake does not serve it: a gap in the fake.
    const message = `${request.method} ${request.path}: the fake serves no such route`;
    violations.push(message);
    return send(res, { status: 404, body: { message } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}${mount}`,
    origin,
    state: options.state,
    requests,
    violations,
    failNext(matcher, response, times = 1) {
      injected.push({ matcher, response, times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith(':')) {
      if (a === '') return undefined;
      try {
        params[p.slice(1)] = decodeURIComponent(a);
      } catch {
        return undefined;
      }
    } else if (p.toLowerCase() !== a.toLowerCase()) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new Error('request body too large for the fake');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: FakeReply | InjectedResponse): void {
  const headers: Record<string, string> = { ...reply.headers };
  let text = '';
  if (reply.body !== undefined) {
    text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??=
      typeof reply.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(text);
}

// ---- the model, shared by the three platforms ----

export function emptyState(): FakeState {
  return { tokens: new Map(), repos: new Map(), nextId: 1000 };
}

export function makeUser(login: string, id: number): FakeUser {
  const hex = id.toString(16).padStart(12, '0');
  return { id, login, azureId: `00000000-0000-4000-8000-${hex}` };
}

export function repoOf(state: FakeState, name: string): FakeRepo | undefined {
  return state.repos.get(name.toLowerCase());
}

/** Seeding helpers tests use on `fake.state`. */
export function seedRepo(state: FakeState, name: string): FakeRepo {
  const repo: FakeRepo = { name, pulls: new Map(), comments: [], threads: [], statuses: [] };
  state.repos.set(name.toLowerCase(), repo);
  return repo;
}

export function seedPull(
  state: FakeState,
  repoName: string,
  pull: Partial<FakePull> & { number: number },
): FakePull {
  const repo = repoOf(state, repoName) ?? seedRepo(state, repoName);
  const full: FakePull = {
    headSha: 'a'.repeat(40),
    state: 'open',
    sourceBranch: `feature/${pull.number}`,
    ...pull,
  };
  repo.pulls.set(full.number, full);
  return full;
}

export function seedComment(
  state: FakeState,
  repoName: string,
  pr: number,
  author: FakeUser,
  body: string,
  extra: { system?: boolean } = {},
): FakeComment {
  const repo = repoOf(state, repoName);
  if (!repo) throw new Error(`seed the repository ${repoName} first`);
  const now = new Date(Date.UTC(2026, 0, 1, 0, 0, state.nextId)).toISOString();
  const comment: FakeComment = {
    id: state.nextId++,
    pr,
    author,
    body,
    system: extra.system ?? false,
    createdAt: now,
    updatedAt: now,
  };
  repo.comments.push(comment);
  return comment;
}

/** Items of one page and the Link header for the rest (absolute URLs on the same origin). */
export function paginate<T>(
  items: T[],
  url: URL,
  limits: { defaultPerPage: number; maxPerPage: number },
): { page: T[]; headers: Record<string, string> } {
  const perPageRaw = Number(url.searchParams.get('per_page') ?? limits.defaultPerPage);
  const perPage = Math.min(Math.max(1, perPageRaw || limits.defaultPerPage), limits.maxPerPage);
  const pageNumber = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const link = (n: number): string => {
    const next = new URL(url);
    next.searchParams.set('page', String(n));
    next.searchParams.set('per_page', String(perPage));
    return next.href;
  };
  const rels: string[] = [];
  if (pageNumber < lastPage) rels.push(`<${link(pageNumber + 1)}>; rel="next"`);
  if (pageNumber > 1) rels.push(`<${link(pageNumber - 1)}>; rel="prev"`);
  rels.push(`<${link(1)}>; rel="first"`, `<${link(lastPage)}>; rel="last"`);
  return { page, headers: { link: rels.join(', ') } };
}

/** Code points, as the platforms' validators count characters. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function bearerToken(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const space = header.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  return scheme === 'bearer' || scheme === 'token' ? header.slice(space + 1).trim() : undefined;
}
