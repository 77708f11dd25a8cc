import { Hono, type Context } from 'hono';
import {
  liveEventBatchSchema,
  liveSetupSchema,
  liveTeardownSchema,
  type LiveSetupParsed,
} from '@flackyness/shared/ingest';
import { ingestSettings } from '../config.ts';
import { RunGone } from '../db/queries/runs.ts';
import { ApiError, zodIssues } from '../errors.ts';
import { requireProjectToken } from '../http/auth.ts';
import { readJson } from '../http/json-body.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import {
  applyLiveBatch,
  BatchesMissing,
  completeLiveSession,
  LiveSessionNotFound,
  openLiveSession,
  type LiveContext,
} from '../live/live-ingest.ts';
import { inIngestSlot } from '../http/ingest-slots.ts';
import { uploadMetadataSchema, type UploadMetadata } from '../upload/upload-metadata.ts';
import { runUrl } from './dto.ts';
import { ingestAnswer, ingestRefusal, recordIngest } from './ingest-answer.ts';

/** Live runs (DESIGN.md §6): a reporter's setup, its event batches, and its teardown. */
export const ingestRoutes = new Hono<AppEnv>();

ingestRoutes.use('*', requireProjectToken());

function projectOf(c: Context<AppEnv>): string {
  const principal = c.get('principal');
  if (principal.kind !== 'project') throw new ApiError('forbidden', 'A project token is needed');
  return principal.projectId;
}

function liveContext(c: Context<AppEnv>): LiveContext {
  const { database, live, now, config } = c.get('deps');
  return {
    database,
    bus: live.bus,
    progress: live.progress,
    now: now(),
    retentionMonths: config.RETENTION_MONTHS,
  };
}

async function body(c: Context<AppEnv>): Promise<unknown> {
  return readJson(c, { maxBytes: c.get('deps').config.LIVE_BODY_MAX_BYTES });
}

/** Answers for the live use cases' refusals; the upload's (ingestRefusal) otherwise. */
function refusal(error: unknown): unknown {
  if (error instanceof LiveSessionNotFound || error instanceof RunGone) {
    return new ApiError(
      'not_found',
      'Live session not found: it is not one of this project\u2019s, or its run was deleted',
    );
  }
  if (error instanceof BatchesMissing) {
    return new ApiError(
      'batches_missing',
      `Send the missing event batches before the teardown: ${error.message}`,
      { missing: error.missing },
    );
  }
  return ingestRefusal(error);
}

ingestRoutes.post('/setup', async (c) => {
  const projectId = projectOf(c);
  const setup = validate(liveSetupSchema, await body(c), 'live run setup');
  const meta = runMetadata(setup);
  const { sessionId, runId } = await openLiveSession(liveContext(c), projectId, setup, meta).catch(
    (error: unknown) => {
      throw refusal(error);
    },
  );
  return c.json({ sessionId, runId, url: runUrl(c.get('deps').config.publicUrl, runId) }, 201);
});

ingestRoutes.post('/event', async (c) => {
  const projectId = projectOf(c);
  const batch = validate(liveEventBatchSchema, await body(c), 'event batch');
  const { applied } = await applyLiveBatch(liveContext(c), projectId, batch).catch(
    (error: unknown) => {
      throw refusal(error);
    },
  );
  return c.json({ accepted: batch.events.length, duplicate: !applied }, 202);
});

ingestRoutes.post('/teardown', async (c) => {
  const projectId = projectOf(c);
  const teardown = validate(liveTeardownSchema, await body(c), 'teardown');
  const { config, database } = c.get('deps');
  let began = 0;
  // Rebuilt and stored in its turn, as an upload is (http/ingest-slots.ts).
  const outcome = await inIngestSlot(
    c.get('deps').ingestSlots,
    () => {
      began = performance.now();
      return completeLiveSession(liveContext(c), projectId, teardown, {
        ...ingestSettings(config),
        testIds: database.testIds,
      });
    },
    c.get('signal'),
  ).catch((error: unknown) => {
    throw refusal(error);
  });
  if (outcome.created) recordIngest(c.get('metrics'), 'live', outcome, began);
  return c.json(ingestAnswer(outcome, config.publicUrl), 200);
});

/** Setup's CI context as an upload's metadata, checked by the upload's own rules. */
function runMetadata(setup: LiveSetupParsed): UploadMetadata {
  const { ci } = setup;
  const fields: Record<string, string | undefined> = {
    branch: ci.branch,
    commit: ci.commit,
    pipeline: ci.pipeline,
    job: ci.job,
    ciProvider: ci.provider,
    repository: ci.repository,
    pr: ci.pr === undefined ? undefined : String(ci.pr),
    runUrl: ci.runUrl,
    environment: setup.environment,
    runName: setup.runName,
  };
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const parsed = uploadMetadataSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const outside = new Set(['environment', 'runName']);
  const issues = parsed.error.issues.map((issue) => {
    const [field, ...rest] = issue.path;
    const renamed = field === 'ciProvider' ? 'provider' : field;
    const path = outside.has(String(field)) ? issue.path : ['ci', renamed as PropertyKey, ...rest];
    return { ...issue, path };
  });
  throw new ApiError('validation_failed', 'Invalid live run setup', zodIssues(issues));
}
