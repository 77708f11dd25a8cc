import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Context } from 'hono';
import { ApiError } from '../errors.ts';

const gunzipAsync = promisify(gunzip);

const tooLarge = (limit: number) =>
  new ApiError('payload_too_large', `Body is larger than the limit of ${limit} bytes`, { limit });

/**
 * Reads the request body, refusing it past `limit` bytes. A declared Content-Length is checked
 * before reading and then read on @hono/node-server's fast path (Node's HTTP parser already holds
 * the body to that length); a chunked body is counted as it streams in and cut off at the limit.
 */
export async function readBody(c: Context, limit: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared.trim()) || !Number.isSafeInteger(length)) {
      throw new ApiError('bad_request', 'Content-Length is not a number');
    }
    if (length > limit) throw tooLarge(limit);
    return new Uint8Array(await c.req.arrayBuffer());
  }
  const stream = c.req.raw.body;
  if (!stream) throw new ApiError('length_required', 'A request body is required');
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/** application/json, or any application/…+json type. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips with the output capped at `limit`, so a small gzip bomb cannot inflate past it. */
export async function gunzipLimited(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if (
      (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ||
      error instanceof RangeError
    ) {
      throw new ApiError(
        'payload_too_large',
        `Decompressed body is larger than the limit of ${limit} bytes`,
        {
          limit,
        },
      );
    }
    throw new ApiError('bad_request', 'Body is not valid gzip');
  }
}
