import { version } from '../version.ts';
import type { ScmTarget } from './types.ts';

/**
 * The one HTTP helper the three providers share: plain fetch, a per-request timeout, JSON in and
 * out, and errors classified for the outbox worker (which schedules retries; nothing here waits).
 */

const userAgent = `flackyness/${version}`;
/** How much of a platform's error message an error repeats. */
const maxPlatformMessageChars = 300;
/** Redirect-free pagination still needs an end: no PR has 500 pages of 100 comments. */
const maxPages = 500;

export class ScmHttpError extends Error {
  override name = 'ScmHttpError';
  constructor(
    message: string,
    /** The HTTP status; 0 for a network error or a timeout. */
    readonly status: number,
    /** Worth trying again later (network, timeout, 5xx, 429, a rate-limited 403). */
    readonly retryable: boolean,
    /** The wait the platform asked for, when it said. */
    readonly retryAfterMs?: number,
    /** The platform's own message (trimmed), for callers that look for a known answer. */
    readonly platformMessage?: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method: string;
  /** Relative to the target's base URL, already percent-encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** An absolute URL to use instead of base + path (a pagination link, origin-checked by the caller). */
  url?: string;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The parsed body; undefined when it was empty. */
  json: unknown;
}

/** Methods a connection reset may repeat at once: they do the same thing twice. */
const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

export async function requestJson(
  target: ScmTarget,
  options: RequestOptions,
): Promise<JsonResponse> {
  const method = options.method.toUpperCase();
  const url = new URL(options.url ?? `${target.baseUrl}${options.path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    accept: 'application/json',
    ...lowerCaseKeys(options.headers ?? {}),
  };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const label = `${method} ${url.pathname}`;
  const doFetch = target.fetch ?? fetch;

  let response: Response;
  let text: string;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await doFetch(url, {
        method,
        headers,
        body,
        redirect: 'follow',
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      text = await response.text();
      break;
    } catch (error) {
      if (attempt === 0 && idempotentMethods.has(method) && isConnectionReset(error)) continue;
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const reason = timedOut
        ? `timed out after ${target.timeoutMs} ms`
        : `network error (${describeNetworkError(error)})`;
      throw new ScmHttpError(scrub(`${label}: ${reason}`, target.token), 0, true);
    }
  }

  if (response.status >= 400) {
    const platformMessage = scrub(platformMessageOf(text), target.token);
    const { retryable, retryAfterMs } = classifyFailure(response.status, response.headers, text);
    throw new ScmHttpError(
      `${label} failed with HTTP ${response.status}${platformMessage ? `: ${platformMessage}` : ''}`,
      response.status,
      retryable,
      retryAfterMs,
      platformMessage,
    );
  }
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      // Azure DevOps answers a bad PAT with 203 and a sign-in page: a success that is not one.
      throw new ScmHttpError(
        `${label} answered HTTP ${response.status} with a body that is not JSON (a sign-in page? check the token)`,
        response.status,
        false,
      );
    }
  }
  return { status: response.status, headers: response.headers, body: text, json };
}

/**
 * Every item of a paginated list: follows `Link: rel="next"` as given (never builds page URLs),
 * and refuses a next link that leaves the base URL's origin (the token would go with it).
 */
export async function requestAllPages<T>(
  target: ScmTarget,
  first: RequestOptions,
  itemsOf: (json: unknown) => T[] = (json) => (Array.isArray(json) ? (json as T[]) : []),
): Promise<T[]> {
  const origin = new URL(target.baseUrl).origin;
  const items: T[] = [];
  const seen = new Set<string>();
  let options: RequestOptions = first;
  for (let page = 0; page < maxPages; page++) {
    const response = await requestJson(target, options);
    items.push(...itemsOf(response.json));
    const next = parseLinkHeader(response.headers.get('link') ?? '').get('next');
    if (next === undefined) return items;
    let nextUrl: URL;
    try {
      nextUrl = new URL(next, `${target.baseUrl}/`);
    } catch {
      throw new ScmHttpError(
        `${options.method} ${first.path}: unreadable next page link`,
        0,
        false,
      );
    }
    if (nextUrl.origin !== origin) {
      throw new ScmHttpError(
        `${first.method} ${first.path}: refusing a next page link to another origin (${nextUrl.origin})`,
        0,
        false,
      );
    }
    if (seen.has(nextUrl.href)) return items;
    seen.add(nextUrl.href);
    options = { method: first.method, path: first.path, headers: first.headers, url: nextUrl.href };
  }
  throw new ScmHttpError(`${first.method} ${first.path}: more than ${maxPages} pages`, 0, false);
}

/** Whether a failed answer is worth retrying later, and how long the platform asked us to wait. */
export function classifyFailure(
  status: number,
  headers: Headers,
  bodyText: string,
  now: number = Date.now(),
): { retryable: boolean; retryAfterMs: number | undefined } {
  const retryAfterMs = retryAfterMsOf(headers, now);
  if (status === 429 || status >= 500) return { retryable: true, retryAfterMs };
  if (status === 403 && isRateLimited403(headers, bodyText))
    return { retryable: true, retryAfterMs };
  return { retryable: false, retryAfterMs: undefined };
}

/** GitHub's primary and secondary limits answer 403 (or 429); other 403s are permission errors. */
function isRateLimited403(headers: Headers, bodyText: string): boolean {
  if (headers.get('retry-after') !== null) return true;
  if (remainingIsZero(headers)) return true;
  // A literal with no quantifier: linear on any body.
  return /secondary rate limit/i.test(bodyText.slice(0, 10_000));
}

function remainingIsZero(headers: Headers): boolean {
  const remaining = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining');
  return remaining !== null && remaining.trim() === '0';
}

/**
 * `Retry-After` (delay-seconds or an HTTP-date), else the reset time (`x-ratelimit-reset` or
 * `ratelimit-reset`, epoch seconds) when no requests remain.
 */
export function retryAfterMsOf(headers: Headers, now: number = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d{1,10}$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if (remainingIsZero(headers)) {
    const reset = (headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset'))?.trim();
    if (reset && /^\d{1,12}$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  }
  return undefined;
}

/**
 * The worker's wait before attempt `attempt` (1 = the first retry): exponential with full jitter,
 * capped at maxMs, but never shorter than what the platform asked for.
 */
export function retryDelayMs(
  attempt: number,
  options: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number },
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling);
  return Math.max(jittered, Math.ceil(options.retryAfterMs ?? 0));
}

/**
 * `<url>; rel="next", <url>; rel="last"` → rel → url. One pass over the characters (no regular
 * expression), so a hostile header costs linear time; a rel list (`rel="next last"`) maps each.
 */
export function parseLinkHeader(value: string): Map<string, string> {
  const links = new Map<string, string>();
  let i = 0;
  const n = value.length;
  while (i < n) {
    const open = value.indexOf('<', i);
    if (open === -1) break;
    const close = value.indexOf('>', open + 1);
    if (close === -1) break;
    const url = value.slice(open + 1, close).trim();
    // The parameters run to the next comma outside quotes.
    let j = close + 1;
    let inQuotes = false;
    const paramsStart = j;
    while (j < n) {
      const c = value[j];
      if (c === '"') inQuotes = !inQuotes;
      else if (c === ',' && !inQuotes) break;
      j++;
    }
    for (const param of value.slice(paramsStart, j).split(';')) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      if (param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      let rels = param.slice(eq + 1).trim();
      if (rels.startsWith('"') && rels.endsWith('"') && rels.length >= 2) rels = rels.slice(1, -1);
      for (const rel of rels.split(' ')) {
        const name = rel.trim().toLowerCase();
        if (name !== '' && !links.has(name)) links.set(name, url);
      }
    }
    i = j + 1;
  }
  return links;
}

/** The platform's error text: GitHub/Azure `message`, GitLab `message` (sometimes an object) or `error`. */
function platformMessageOf(text: string): string {
  let message = text;
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object') {
      const record = json as Record<string, unknown>;
      const picked = record.message ?? record.error_description ?? record.error;
      if (picked !== undefined) {
        message = typeof picked === 'string' ? picked : JSON.stringify(picked);
        const errors = record.errors;
        if (Array.isArray(errors) && errors.length > 0) message += ` ${JSON.stringify(errors)}`;
      }
    }
  } catch {
    // Not JSON (a proxy's HTML page, GitLab's plain "Retry later"): the text itself.
  }
  const flat = message.replaceAll(/\s+/g, ' ').trim();
  return flat.length > maxPlatformMessageChars
    ? `${flat.slice(0, maxPlatformMessageChars)}…`
    : flat;
}

/** A token never reaches a message, even when a platform echoes it back. */
function scrub(text: string, token: string): string {
  if (token.length < 4) return text;
  const basic = Buffer.from(`:${token}`).toString('base64');
  return text.replaceAll(token, '[token]').replaceAll(basic, '[token]');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function errorCode(error: unknown): string | undefined {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isConnectionReset(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}

function describeNetworkError(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}
