import { webcrypto } from 'node:crypto';
import { Hono } from 'hono';
import { playwrightReportOutlineSchema } from '@flackyness/shared/playwright-report';
import { requireProjectToken } from '../http/auth.ts';
import { readUpload } from '../http/read-upload.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { ApiError, zodIssues } from '../errors.ts';
import { findProject } from '../db/queries/projects.ts';
import { ingestReport } from '../upload/ingest-report.ts';
import { InvalidReportError, ReportReader } from '../report/report-reader.ts';
import { uploadMetadataSchema } from '../upload/upload-metadata.ts';
import { toRunDto } from './dto.ts';

export const reportRoutes = new Hono<AppEnv>();

const notAReport = (issues: InvalidReportError['issues']) =>
  new ApiError(
    'invalid_report',
    'The body is not a Playwright JSON report (expected an object with "config" and "suites", as written by --reporter=json)',
    zodIssues(issues),
  );

/** SHA-256 hex of the report bytes: what identifies a re-upload of the same report. */
async function digestHex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

reportRoutes.post('/', requireProjectToken(), async (c) => {
  const { config, database } = c.get('deps');
  const principal = c.get('principal');
  if (principal.kind !== 'project')
    throw new ApiError('forbidden', 'This endpoint needs a project token');

  const upload = await readUpload(c, config.REPORT_MAX_BYTES);
  const meta = validate(uploadMetadataSchema, upload.fields, 'upload metadata');
  if (meta.project !== undefined) {
    const named = await findProject(database.sql, meta.project);
    if (named?.id !== principal.projectId) {
      throw new ApiError('forbidden', `The token does not belong to project "${meta.project}"`);
    }
  }
  const idempotencyKey = c.req.header('idempotency-key')?.trim() || undefined;
  if (idempotencyKey !== undefined && idempotencyKey.length > 255) {
    throw new ApiError('validation_failed', 'Idempotency-Key is too long', [
      { path: 'Idempotency-Key', message: 'must be at most 255 characters' },
    ]);
  }

  // Hashed on a worker thread of libuv while this one parses the JSON.
  const contentHash = digestHex(upload.report);
  let json: unknown;
  try {
    const { buffer, byteOffset, byteLength } = upload.report;
    // A view, not a copy, of the (up to 10 MB) body.
    json = JSON.parse(Buffer.from(buffer, byteOffset, byteLength).toString('utf8'));
  } catch (error) {
    throw new ApiError('invalid_json', `The report is not valid JSON: ${(error as Error).message}`);
  }
  // The file suites are parsed as they are read, while earlier ones are being stored: an invalid
  // one ends the upload's transaction, and nothing is stored.
  const parsed = playwrightReportOutlineSchema.safeParse(json);
  if (!parsed.success) throw notAReport(parsed.error.issues);
  const report = new ReportReader(parsed.data, { partial: meta.partial ?? false });

  const outcome = await ingestReport(database.sql, {
    projectId: principal.projectId,
    report,
    meta,
    contentHash: await contentHash,
    idempotencyKey,
    testIdCache: database.testIds,
    now: c.get('deps').now(),
    settings: {
      windowDays: config.FLAKE_WINDOW_DAYS,
      threshold: config.FLAKE_THRESHOLD,
      resolveAfterRuns: config.RESOLVE_AFTER_RUNS,
      massFailureRatio: config.MASS_FAILURE_RATIO,
    },
  }).catch((error: unknown) => {
    throw error instanceof InvalidReportError ? notAReport(error.issues) : error;
  });
  const { run, flakiness } = outcome;
  const dto = toRunDto(run, config.publicUrl);
  return c.json(
    {
      run: dto,
      flaky: {
        inRun: flakiness.inRun,
        newlyDetected: outcome.newlyDetected,
        activeCount: flakiness.activeCount,
      },
      quarantine: { allFailuresQuarantined: flakiness.allFailuresQuarantined },
      url: dto.url,
    },
    outcome.created ? 201 : 200,
  );
});
