import type { Context } from 'hono';
import { ApiError } from '../errors.ts';
import { isJsonContentType, readBody } from './body.ts';
import type { AppEnv } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a JSON request body (BODY_MAX_BYTES, 1 MB, unless `maxBytes` says otherwise). With `optional`, an empty body reads as `{}`
 * (e.g. a rotation without options).
 */
export async function readJson(
  c: Context<AppEnv>,
  options: { optional?: boolean; maxBytes?: number } = {},
): Promise<unknown> {
  const limit = options.maxBytes ?? c.get('deps').config.BODY_MAX_BYTES;
  const isJson = isJsonContentType(c.req.header('content-type'));
  // Without a declared JSON body, an optional body may still be sent empty (curl -X POST).
  if (!isJson && !options.optional) {
    throw new ApiError('unsupported_media_type', 'Send the body as application/json');
  }
  const declared = c.req.header('content-length');
  const bytes =
    declared === '0' || (declared === undefined && !c.req.raw.body)
      ? new Uint8Array()
      : await readBody(c, limit);
  if (bytes.byteLength === 0) {
    if (options.optional) return {};
    throw new ApiError('bad_request', 'A JSON body is required');
  }
  if (!isJson) throw new ApiError('unsupported_media_type', 'Send the body as application/json');
  try {
    // Fatal: bytes that are not UTF-8 are refused, not stored as U+FFFD in their place.
    return JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new ApiError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
}
