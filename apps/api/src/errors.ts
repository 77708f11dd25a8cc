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
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
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

export function zodIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  limit = 20,
): FieldIssue[] {
  return issues.slice(0, limit).map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
}
