import { webcrypto } from 'node:crypto';
import { Hono } from 'hono';
import { playwrightReportOutlineSchema } from '@flackyness/shared/playwright-report';
import { requireProjectToken } from '../http/auth.ts';
import { readUpload } from '../http/read-upload.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { ingestSettings } from '../config.ts';
import { ApiError } from '../errors.ts';
import { findProject } from '../db/queries/projects.ts';
import { announceProjectChange } from '../live/live-ingest.ts';
import { ingestReport } from '../upload/ingest-report.ts';
import { inIngestSlot } from '../http/ingest-slots.ts';
import { ReportReader } from '../report/report-reader.ts';
import { uploadMetadataSchema } from '../upload/upload-metadata.ts';
import { ingestAnswer, ingestRefusal, notAReport, recordIngest } from './ingest-answer.ts';

export const reportRoutes = new Hono<AppEnv>();

/** SHA-256 hex of the report bytes: what identifies a re-upload of the same report. */
async function digestHex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

reportRoutes.post('/', requireProjectToken(), async (c) => {
  const { config, database, now, live } = c.get('deps');
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

  // Parsed and stored in its turn: a burst of uploads queues here instead of taking the event loop
  // and the database from the reads all at once.
  let began = 0;
  const signal = c.get('signal');
  const outcome = await inIngestSlot(
    c.get('deps').ingestSlots,
    async () => {
      // Hashed on a worker thread of libuv while this one parses the JSON.
      const contentHash = digestHex(upload.report);
      let json: unknown;
      try {
        const { buffer, byteOffset, byteLength } = upload.report;
        // A view, not a copy, of the (up to 10 MB) body.
        json = JSON.parse(Buffer.from(buffer, byteOffset, byteLength).toString('utf8'));
      } catch (error) {
        throw new ApiError(
          'invalid_json',
          `The report is not valid JSON: ${(error as Error).message}`,
        );
      }
      // The file suites are parsed as they are read, while earlier ones are being stored: an
      // invalid one ends the upload's transaction, and nothing is stored.
      const parsed = playwrightReportOutlineSchema.safeParse(json);
      if (!parsed.success) throw notAReport(parsed.error.issues);
      const report = new ReportReader(parsed.data, { partial: meta.partial ?? false });
      began = performance.now();
      return ingestReport(database.sql, {
        projectId: principal.projectId,
        report,
        meta,
        contentHash: await contentHash,
        idempotencyKey,
        testIdCache: database.testIds,
        now: now(),
        retentionMonths: config.RETENTION_MONTHS,
        settings: ingestSettings(config),
        signal,
      }).catch((error: unknown) => {
        throw ingestRefusal(error);
      });
    },
    signal,
  );
  if (outcome.created) recordIngest(c.get('metrics'), 'upload', outcome, began);
  // Dashboards watching the project's stream see the run change (after the commit: it is stored).
  if (outcome.created) {
    await announceProjectChange(
      { database, bus: live.bus },
      principal.projectId,
      outcome.run.id,
    ).catch((error: unknown) => c.get('logger').warn({ err: error }, 'run change not announced'));
  }
  return c.json(ingestAnswer(outcome, config.publicUrl), outcome.created ? 201 : 200);
});
