import { webcrypto } from 'node:crypto';
import { Hono } from 'hono';
import { playwrightReportOutlineSchema } from '@flackyness/shared/playwright-report';
import { requireProjectToken } from '../http/auth.ts';
import { readUpload } from '../http/read-upload.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { ingestSettings } from '../config.ts';
import { ApiError, zodIssues } from '../errors.ts';
import { findProject } from '../db/queries/projects.ts';
import { ingestReport } from '../upload/ingest-report.ts';
import { InvalidReportError } from '../report/invalid-report-error.ts';
import { ReportReader } from '../report/report-reader.ts';
import { ProjectGone } from '../upload/project-lock.ts';
import { RunMetadataConflict } from '../upload/run-metadata-merge.ts';
import { StartTimeOutOfRange } from '../upload/start-time.ts';
import { uploadMetadataSchema } from '../upload/upload-metadata.ts';
import { toRunDto } from './dto.ts';

export const reportRoutes = new Hono<AppEnv>();

const notAReport = (issues: InvalidReportError['issues']) =>
  new ApiError(
    'invalid_report',
    'The body is not a Playwright JSON report as --reporter=json writes it (an object with "config" and "suites"), or it holds values that cannot be stored; details names each field',
    zodIssues(issues),
  );

/** The ingest errors that refuse the report (nothing was stored), as API errors. */
function refusal(error: unknown): unknown {
  if (error instanceof InvalidReportError) return notAReport(error.issues);
  if (error instanceof StartTimeOutOfRange) {
    return new ApiError(
      'validation_failed',
      `The run's start time is out of range: ${error.message}`,
      [{ path: error.field, message: error.message }],
    );
  }
  if (error instanceof ProjectGone) return new ApiError('not_found', 'The project was deleted');
  if (error instanceof RunMetadataConflict) {
    return new ApiError('conflict', `A run has one branch and one commit: ${error.message}`, {
      run: error.run,
      part: error.part,
    });
  }
  return error;
}

/** SHA-256 hex of the report bytes: what identifies a re-upload of the same report. */
async function digestHex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

reportRoutes.post('/', requireProjectToken(), async (c) => {
  const { config, database, now } = c.get('deps');
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
    now: now(),
    retentionMonths: config.RETENTION_MONTHS,
    settings: ingestSettings(config),
  }).catch((error: unknown) => {
    throw refusal(error);
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
