import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The error codes of the public API, each with the one HTTP status it is answered with. */
const statusByCode = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  invalid_report: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  batches_missing: 409,
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  /** ENCRYPTION_KEY is unset: provider tokens cannot be stored until the operator sets it. */
  encryption_not_configured: 503,
  timeout: 504,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof statusByCode;

export interface FieldIssue {
  path: string;
  message: string;
}

/** The one error type routes throw; `onError` turns it into `{"error": {code, message, details}}`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return statusByCode[this.code];
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Field paths in the `a.b[2].c` form users read in a 400 answer. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

/** zod issues as field paths; an unknown key is reported at its own path, not its parent's. */
export function zodIssues(
  issues: ReadonlyArray<{
    path: ReadonlyArray<PropertyKey>;
    message: string;
    keys?: readonly string[];
  }>,
  limit = 20,
): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.keys && issue.keys.length > 0) {
      for (const key of issue.keys) {
        out.push({ path: formatIssuePath([...issue.path, key]), message: 'is not a known field' });
      }
    } else {
      out.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }
  return out.slice(0, limit);
}
