import type { Context } from 'hono';
import { ApiError } from '../errors.ts';
import { gunzipLimited, isGzip, isJsonContentType, readBody } from './body.ts';

export interface UploadBody {
  /** The report's JSON bytes, decompressed. */
  report: Uint8Array;
  /** Metadata: query parameters, overridden by form fields for multipart uploads. */
  fields: Record<string, string>;
}

/** Room for the form fields and multipart boundaries around a report at the size limit. */
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * Reads an upload in either accepted form: a JSON body (optionally gzip-encoded) with metadata in
 * the query string, or multipart/form-data with a `report` file and metadata fields. The size
 * limit applies to the body as sent and again to the report after gunzip.
 */
export async function readUpload(c: Context, limit: number): Promise<UploadBody> {
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  const fields: Record<string, string> = {};
  for (const [name, value] of new URL(c.req.url).searchParams) fields[name] = value;

  if (isJsonContentType(contentType)) {
    const body = await readBody(c, limit);
    const encoding = (c.req.header('content-encoding') ?? 'identity').toLowerCase().trim();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw new ApiError(
        'unsupported_media_type',
        `Content-Encoding "${encoding}" is not supported; use gzip`,
      );
    }
    // A gzipped file sent without Content-Encoding is recognised by its magic bytes.
    const report =
      encoding !== 'identity' || isGzip(body) ? await gunzipLimited(body, limit) : body;
    return { report, fields };
  }

  if (contentType.startsWith('multipart/form-data')) {
    const body = await readBody(c, limit + MULTIPART_OVERHEAD);
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new ApiError('bad_request', 'Malformed multipart/form-data body');
    }
    let report: Uint8Array | undefined;
    for (const [name, value] of form) {
      if (name === 'report') {
        report =
          typeof value === 'string'
            ? Buffer.from(value)
            : new Uint8Array(await value.arrayBuffer());
      } else if (typeof value === 'string') {
        fields[name] = value;
      } else {
        throw new ApiError('validation_failed', `Unexpected file field "${name}"`, [
          { path: name, message: 'only the "report" field may be a file' },
        ]);
      }
    }
    if (!report) {
      throw new ApiError('validation_failed', 'Missing the "report" file field', [
        {
          path: 'report',
          message: 'required: the Playwright JSON report, e.g. -F report=@results.json',
        },
      ]);
    }
    if (isGzip(report)) report = await gunzipLimited(report, limit);
    else if (report.byteLength > limit) {
      throw new ApiError('payload_too_large', `Report is larger than the limit of ${limit} bytes`, {
        limit,
      });
    }
    return { report, fields };
  }

  throw new ApiError(
    'unsupported_media_type',
    'Send the report as application/json, or as multipart/form-data with a "report" file field',
  );
}
