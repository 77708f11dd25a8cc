import { error, redirect, type Cookies } from '@sveltejs/kit';
import { getRequestEvent } from '$app/server';
import type { ApiErrorBody } from '@flackyness/shared/api';
import { SESSION_COOKIE, config } from './config';
import { clearSessionCookie, loginHref } from './session';

/**
 * A small typed client for the read API, used by load functions and form actions. It forwards
 * the viewer's session as a bearer credential and turns the API's answers into SvelteKit's:
 * 401 sends the viewer to /login, 404 and other 4xx become error pages, and an API that cannot be
 * reached becomes a 503 that says so.
 */

type ApiFetch = (request: Request) => Response | Promise<Response>;

/** Set by the API server when it serves the dashboard in the same process: no loopback socket. */
const IN_PROCESS = Symbol.for('flackyness.apiFetch');

/** The visitor's address, for the API's per-address limits; none outside a request. */
function visitorAddress(): string | undefined {
  try {
    return getRequestEvent().getClientAddress();
  } catch {
    return undefined;
  }
}

function transport(): ApiFetch {
  const handedOver = (globalThis as Record<symbol, unknown>)[IN_PROCESS];
  if (typeof handedOver !== 'function') return (request) => fetch(request);
  // In process the API believes this header (it has no socket to look at): the visitor's address.
  return (request) => {
    const address = visitorAddress();
    if (address) request.headers.set('x-forwarded-for', address);
    return (handedOver as ApiFetch)(request);
  };
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function apiPath(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** Sends one request to the API; answers the parsed JSON body, or throws ApiFailure. */
export async function callApi<T>(
  path: string,
  init: { method?: string; body?: unknown; session?: string | undefined; query?: Query } = {},
): Promise<T> {
  const headers = new Headers({ accept: 'application/json' });
  if (init.session) headers.set('authorization', `Bearer ${init.session}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const request = new Request(`${config.apiUrl}/api/v1${apiPath(path, init.query)}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  let response: Response;
  try {
    response = await transport()(request);
  } catch {
    throw new ApiFailure(
      503,
      'api_unreachable',
      `The Flackyness API at ${config.apiUrl} cannot be reached`,
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiFailure(502, 'bad_gateway', 'The API answered something that is not JSON');
  }
  if (!response.ok) {
    const failure = (body as ApiErrorBody | undefined)?.error;
    throw new ApiFailure(
      response.status,
      failure?.code ?? 'error',
      failure?.message ?? `The API answered ${response.status}`,
    );
  }
  return body as T;
}

/**
 * Opens a long-lived API response (an SSE stream) and answers it as it is: status, headers and a
 * body still streaming. `signal` aborts it. An API that cannot be reached throws ApiFailure 503.
 */
export async function openApiStream(
  path: string,
  init: { session: string; headers?: Record<string, string>; signal: AbortSignal },
): Promise<Response> {
  const headers = new Headers({ accept: 'text/event-stream', ...init.headers });
  headers.set('authorization', `Bearer ${init.session}`);
  const request = new Request(`${config.apiUrl}/api/v1${path}`, { headers, signal: init.signal });
  try {
    return await transport()(request);
  } catch {
    throw new ApiFailure(
      503,
      'api_unreachable',
      `The Flackyness API at ${config.apiUrl} cannot be reached`,
    );
  }
}

/** The reader a page's load function uses: its viewer's session, SvelteKit errors on failure. */
export interface ApiReader {
  get<T>(path: string, query?: Query): Promise<T>;
}

export function apiReader(cookies: Cookies, url: URL): ApiReader {
  const session = cookies.get(SESSION_COOKIE);
  return {
    async get<T>(path: string, query?: Query) {
      try {
        return await callApi<T>(path, { session, query });
      } catch (failure) {
        if (!(failure instanceof ApiFailure)) throw failure;
        if (failure.status === 401) {
          clearSessionCookie(cookies);
          redirect(303, loginHref(url));
        }
        error(failure.status, { message: failure.message, code: failure.code });
      }
    },
  };
}
