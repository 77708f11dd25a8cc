import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Every table that grows carries `project_id` (the future Citus distribution column), and every
 * query of project data filters by it. Ids are bigint identities, served as strings by the API.
 */

const id = () => bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity();
/**
 * The id of a growing table's row: a global identity still, but its primary key is
 * (project_id, id), as Citus requires of a table distributed by project_id (docs/scaling.md).
 */
const rowId = () => bigint('id', { mode: 'bigint' }).notNull().generatedAlwaysAsIdentity();
const projectId = () =>
  bigint('project_id', { mode: 'bigint' })
    .notNull()
    .references(() => projects.id, { onDelete: 'cascade' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Playwright's test-level verdict (TestCase.outcome()). */
export const outcome = pgEnum('outcome', ['expected', 'unexpected', 'flaky', 'skipped']);

export const projects = pgTable('projects', {
  id: id(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** Project tokens are kept only as SHA-256 hashes; `expiresAt` is set when a rotation retires one. */
export const projectTokens = pgTable(
  'project_tokens',
  {
    id: id(),
    projectId: projectId(),
    tokenHash: text('token_hash').notNull().unique(),
    tokenPrefix: text('token_prefix').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [index('project_tokens_project_idx').on(t.projectId)],
);

/**
 * Dashboard sessions (logins), kept as SHA-256 hashes of their `flks_` secrets. They give read
 * access only. A project session ends with the token it was opened with (`tokenId`); an admin
 * session with the admin token in force (`adminTokenHash`).
 */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    secretHash: text('secret_hash').notNull().unique(),
    kind: text('kind', { enum: ['admin', 'project'] }).notNull(),
    projectId: bigint('project_id', { mode: 'bigint' }).references(() => projects.id, {
      onDelete: 'cascade',
    }),
    tokenId: bigint('token_id', { mode: 'bigint' }).references(() => projectTokens.id, {
      onDelete: 'cascade',
    }),
    adminTokenHash: text('admin_token_hash'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('sessions_kind_check', sql`${t.kind} in ('admin', 'project')`),
    check(
      'sessions_credential_check',
      sql`(${t.kind} = 'admin' and ${t.adminTokenHash} is not null
        and ${t.projectId} is null and ${t.tokenId} is null)
      or (${t.kind} = 'project' and ${t.adminTokenHash} is null
        and ${t.projectId} is not null and ${t.tokenId} is not null)`,
    ),
    index('sessions_expires_idx').on(t.expiresAt),
    index('sessions_project_idx')
      .on(t.projectId)
      .where(sql`${t.projectId} is not null`),
    index('sessions_token_idx')
      .on(t.tokenId)
      .where(sql`${t.tokenId} is not null`),
  ],
);

/** One CI invocation; its uploads (one per shard) are its parts. */
export const runs = pgTable(
  'runs',
  {
    id: rowId(),
    projectId: projectId(),
    source: text('source', { enum: ['upload', 'live'] }).notNull(),
    status: text('status', {
      enum: ['passed', 'failed', 'interrupted', 'timedout', 'running', 'cancelled'],
    }).notNull(),
    branch: text('branch'),
    commit: text('commit'),
    pipeline: text('pipeline'),
    /** Normalised job name ('' when none), so `(project, pipeline, job)` names one run. */
    job: text('job').notNull().default(''),
    ciProvider: text('ci_provider'),
    repository: text('repository'),
    pr: text('pr'),
    runUrl: text('run_url'),
    environment: text('environment'),
    runName: text('run_name'),
    playwrightVersion: text('playwright_version'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull().default(0),
    total: integer('total').notNull().default(0),
    expected: integer('expected').notNull().default(0),
    unexpected: integer('unexpected').notNull().default(0),
    flaky: integer('flaky').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    /** Mass-failure guard: stored and shown, left out of flakiness statistics. */
    excludedFromStats: boolean('excluded_from_stats').notNull().default(false),
    /** The last event number of the run's stream (live runs): taken under the run's row lock, so
     *  numbers are handed out in commit order. */
    eventSeq: bigint('event_seq', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    /** The run's place in its project's stream: the number of its last change. */
    changeSeq: bigint('change_seq', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'runs_pk', columns: [t.projectId, t.id] }),
    // A run by its id alone: GET /runs/:runId and its stream learn the project from the run.
    index('runs_id_idx').on(t.id),
    index('runs_project_change_idx').on(t.projectId, t.changeSeq),
    uniqueIndex('runs_pipeline_job_idx')
      .on(t.projectId, t.pipeline, t.job)
      .where(sql`${t.pipeline} is not null`),
    index('runs_project_started_idx').on(t.projectId, t.startedAt.desc(), t.id.desc()),
    // A commit's runs, whose stored results give a pair's passes when it first fails.
    index('runs_project_commit_idx')
      .on(t.projectId, t.commit)
      .where(sql`${t.commit} is not null`),
  ],
);

/** One uploaded report (a shard, or the whole run); uploading the same shard again replaces it. */
export const runParts = pgTable(
  'run_parts',
  {
    id: rowId(),
    projectId: projectId(),
    runId: bigint('run_id', { mode: 'bigint' }).notNull(),
    /** `current/total`, or '' for an unsharded report. */
    shard: text('shard').notNull().default(''),
    /** SHA-256 of the report bytes: the same report uploaded again is recognised by it. */
    contentHash: text('content_hash').notNull(),
    idempotencyKey: text('idempotency_key'),
    status: text('status').notNull(),
    partial: boolean('partial').notNull().default(false),
    playwrightVersion: text('playwright_version'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull().default(0),
    total: integer('total').notNull().default(0),
    expected: integer('expected').notNull().default(0),
    unexpected: integer('unexpected').notNull().default(0),
    flaky: integer('flaky').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    /** Run-level errors (globalSetup failures, max-failures), ANSI stripped. */
    errors: jsonb('errors').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'run_parts_pk', columns: [t.projectId, t.id] }),
    foreignKey({
      name: 'run_parts_run_fk',
      columns: [t.projectId, t.runId],
      foreignColumns: [runs.projectId, runs.id],
    }).onDelete('cascade'),
    uniqueIndex('run_parts_run_shard_idx').on(t.projectId, t.runId, t.shard),
    uniqueIndex('run_parts_content_idx').on(t.projectId, t.contentHash),
    uniqueIndex('run_parts_idempotency_idx')
      .on(t.projectId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
  ],
);

/** Test identities: (project, Playwright project name, file, title path), stored once. */
export const tests = pgTable(
  'tests',
  {
    id: rowId(),
    projectId: projectId(),
    /** SHA-256 of the identity tuple; unique per project. */
    identityHash: text('identity_hash').notNull(),
    projectName: text('project_name').notNull(),
    file: text('file').notNull(),
    title: text('title').notNull(),
    titlePath: text('title_path').array().notNull(),
    playwrightId: text('playwright_id'),
    line: integer('line'),
    column: integer('column'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'tests_pk', columns: [t.projectId, t.id] }),
    // A test by its id alone: GET /tests/:testId learns the project from the test.
    index('tests_id_idx').on(t.id),
    uniqueIndex('tests_identity_idx').on(t.projectId, t.identityHash),
    // A test's siblings in the other Playwright projects: files of any length, fixed in width.
    index('tests_file_idx').on(t.projectId, sql`md5(${t.file})`),
  ],
);

/**
 * One row per test per run part (retries collapsed, attempts counted). Range-partitioned by month
 * on `created_at` (the run's start time from the report) by the hand-written migration
 * 0001_partition_test_results.sql, which also owns this table's indexes.
 */
export const testResults = pgTable(
  'test_results',
  {
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    runId: bigint('run_id', { mode: 'bigint' }).notNull(),
    partId: bigint('part_id', { mode: 'bigint' }).notNull(),
    testId: bigint('test_id', { mode: 'bigint' }).notNull(),
    /** nth run of the same test in one part (`--repeat-each`, or duplicates in merged reports). */
    repeatIndex: smallint('repeat_index').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    outcome: outcome('outcome').notNull(),
    expectedStatus: text('expected_status').notNull(),
    /** Executions of this test in the run: 1 + retries. */
    attempts: smallint('attempts').notNull(),
    /** Status of the last attempt (passed, failed, timedOut, skipped, interrupted). */
    finalStatus: text('final_status'),
    durationMs: integer('duration_ms').notNull(),
    /** Time spent on attempts that did not end as expected: the CI time a flaky test wastes. */
    failedDurationMs: integer('failed_duration_ms').notNull().default(0),
    errorMessage: text('error_message'),
    errorSignature: text('error_signature'),
    /** Per-attempt statuses, errors and annotations; null for a plain single-attempt result. */
    details: jsonb('details'),
  },
  (t) => [
    primaryKey({
      name: 'test_results_pk',
      columns: [t.projectId, t.testId, t.createdAt, t.runId, t.partId, t.repeatIndex],
    }),
  ],
);

/*
 * Flakiness aggregates (DESIGN.md §4), maintained incrementally at ingest from the rows of the part
 * being stored, so reads never scan raw history and an upload's cost does not grow with it.
 * The per-test tables carry no foreign keys: they are derived data written 10,000 rows at a time,
 * where each key check costs as much as the write itself; deleting a project removes them.
 * Counts follow the model: `runs` = non-skipped results of runs not excluded by the mass-failure
 * guard; `flaky_runs` = outcome flaky; `failed_runs` = outcome unexpected; `commit_flakes` = commit
 * flakes of all branches counted on that day (flakiness/commit-flake-days.ts: the earlier of the
 * pair's latest pass and latest failure), so the days from S on sum to the window from S.
 */
const statCounters = () => ({
  runs: integer('runs').notNull().default(0),
  expectedRuns: integer('expected_runs').notNull().default(0),
  flakyRuns: integer('flaky_runs').notNull().default(0),
  failedRuns: integer('failed_runs').notNull().default(0),
  skippedRuns: integer('skipped_runs').notNull().default(0),
  commitFlakes: integer('commit_flakes').notNull().default(0),
  durationMs: bigint('duration_ms', { mode: 'number' }).notNull().default(0),
  /** CI time spent on failed attempts of flaky results. */
  wastedMs: bigint('wasted_ms', { mode: 'number' }).notNull().default(0),
});

/** Commit flakes of the row's branch alone, counted like commit_flakes: read under a branch filter. */
const branchCommitFlakes = () => ({
  branchCommitFlakes: integer('branch_commit_flakes').notNull().default(0),
});

/** Per test, per day (UTC, of the run's start), per branch ('' when none). */
export const testDailyStats = pgTable(
  'test_daily_stats',
  {
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    testId: bigint('test_id', { mode: 'bigint' }).notNull(),
    day: date('day').notNull(),
    branch: text('branch').notNull().default(''),
    ...statCounters(),
    ...branchCommitFlakes(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.testId, t.day, t.branch] })],
);

/** Per project, per day, per branch: the trend series, and window totals without a test scan. */
export const projectDailyStats = pgTable(
  'project_daily_stats',
  {
    projectId: projectId(),
    day: date('day').notNull(),
    branch: text('branch').notNull().default(''),
    ...statCounters(),
    ...branchCommitFlakes(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day, t.branch] })],
);

/**
 * Per failed test per commit per branch ('' when none): the days of the pair's latest counted pass
 * and failure on that branch, where its commit flakes are counted from
 * (flakiness/commit-flakes.ts). Only pairs with a failure have rows; keyed by commit first, so a
 * commit's pairs are one index range.
 */
export const testCommitStats = pgTable(
  'test_commit_stats',
  {
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    commit: text('commit').notNull(),
    testId: bigint('test_id', { mode: 'bigint' }).notNull(),
    branch: text('branch').notNull(),
    lastPassDay: date('last_pass_day'),
    lastFailDay: date('last_fail_day'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.commit, t.testId, t.branch] })],
);

/**
 * Per test: its flaky state, and its counters over the project's current default window
 * (FLAKE_WINDOW_DAYS, all branches), so the default flaky-tests page is an index range scan.
 */
export const testStats = pgTable(
  'test_stats',
  {
    testId: bigint('test_id', { mode: 'bigint' }).notNull(),
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    /** null: never flaky; 'active' or 'resolved'. Reads age active tests to the moment of the
     *  read (db/queries/flaky-status.ts); uploads and the window job store the same. */
    status: text('status', { enum: ['active', 'resolved'] }),
    /** Why a resolved test was resolved. */
    resolution: text('resolution', { enum: ['clean-runs', 'aged-out'] }),
    firstDetectedAt: timestamp('first_detected_at', { withTimezone: true }),
    lastFlakyAt: timestamp('last_flaky_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** Consecutive non-flaky, non-failed results in run start order (skips leave it unchanged). */
    cleanStreak: integer('clean_streak').notNull().default(0),
    /** Start of the latest run counted in the streak: older results do not move it. */
    streakAt: timestamp('streak_at', { withTimezone: true }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    ...statCounters(),
    /** (flaky_runs + commit_flakes) / runs over the window; 0 when runs = 0. */
    flakeRate: doublePrecision('flake_rate').notNull().default(0),
    /**
     * Sort keys of the flaky-tests list: runs and last_seen_at, kept only while the test is listed
     * (status not null), null otherwise. Every upload changes runs and last_seen_at of every test;
     * indexing these copies instead leaves the indexed values of unlisted tests unchanged, so their
     * updates stay HOT (no index writes).
     */
    listedRuns: integer('listed_runs'),
    listedLastSeenAt: timestamp('listed_last_seen_at', { withTimezone: true }),
  },
  // Only tests ever detected flaky are listed, so only they are indexed for sorting: the counters
  // of every other test change on each upload without touching these indexes.
  // Each sort of the flaky-tests list is a range scan of one of these, forwards or backwards.
  (t) => [
    primaryKey({ name: 'test_stats_pk', columns: [t.projectId, t.testId] }),
    index('test_stats_rate_idx')
      .on(t.projectId, t.status, t.flakeRate, t.testId)
      .where(sql`${t.status} is not null`),
    index('test_stats_seen_idx')
      .on(t.projectId, t.status, t.listedLastSeenAt, t.testId)
      .where(sql`${t.status} is not null`),
    index('test_stats_runs_idx')
      .on(t.projectId, t.status, t.listedRuns, t.testId)
      .where(sql`${t.status} is not null`),
    index('test_stats_resolved_idx')
      .on(t.projectId, t.resolvedAt)
      .where(sql`${t.status} = 'resolved'`),
    index('test_stats_project_idx').on(t.projectId),
  ],
);

/** Per project: which days test_stats' window counters cover, and project-wide counts. */
export const projectWindows = pgTable('project_windows', {
  projectId: bigint('project_id', { mode: 'bigint' })
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  windowDays: integer('window_days').notNull(),
  /** First day counted in test_stats' counters. */
  startDay: date('start_day').notNull(),
  /** Tests with at least one result (skips included) in the window. */
  testsInWindow: integer('tests_in_window').notNull().default(0),
  /** A new random value from every transaction that takes this row (lockProjectWindow): what a
   *  cache of numbers read from the window's raw results is keyed by (flip-rate-cache.ts). */
  resultsVersion: bigint('results_version', { mode: 'bigint' }).notNull().default(0n),
});

/** A project's stream counter: each change of one of its runs takes the next number. */
export const projectStreams = pgTable('project_streams', {
  projectId: bigint('project_id', { mode: 'bigint' })
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  seq: bigint('seq', { mode: 'bigint' })
    .notNull()
    .default(sql`0`),
});

/** One reporter process (one shard) streaming into a live run (DESIGN.md §6). */
export const liveSessions = pgTable(
  'live_sessions',
  {
    /** Random, handed to the reporter as `sessionId`. */
    id: text('id').notNull(),
    projectId: projectId(),
    runId: bigint('run_id', { mode: 'bigint' }).notNull(),
    shard: text('shard').notNull().default(''),
    status: text('status', { enum: ['running', 'finished', 'cancelled'] }).notNull(),
    reporterVersion: text('reporter_version'),
    playwrightVersion: text('playwright_version'),
    totalTests: integer('total_tests').notNull(),
    /** The run metadata setup sent, for the teardown's ingestion. */
    meta: jsonb('meta').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }).notNull(),
    /** Tests whose last attempt ended, in total and by outcome. */
    finished: integer('finished').notNull().default(0),
    expected: integer('expected').notNull().default(0),
    unexpected: integer('unexpected').notNull().default(0),
    flaky: integer('flaky').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    teardown: jsonb('teardown'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'live_sessions_pk', columns: [t.projectId, t.id] }),
    foreignKey({
      name: 'live_sessions_run_fk',
      columns: [t.projectId, t.runId],
      foreignColumns: [runs.projectId, runs.id],
    }).onDelete('cascade'),
    check('live_sessions_status_check', sql`${t.status} in ('running', 'finished', 'cancelled')`),
    index('live_sessions_run_idx').on(t.projectId, t.runId),
    index('live_sessions_running_idx')
      .on(t.lastEventAt)
      .where(sql`${t.status} = 'running'`),
  ],
);

/** The batches of a session applied so far: a batch sent again changes nothing. */
export const liveBatches = pgTable(
  'live_batches',
  {
    sessionId: text('session_id').notNull(),
    seq: integer('seq').notNull(),
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'live_batches_pk', columns: [t.projectId, t.sessionId, t.seq] }),
    foreignKey({
      name: 'live_batches_session_fk',
      columns: [t.projectId, t.sessionId],
      foreignColumns: [liveSessions.projectId, liveSessions.id],
    }).onDelete('cascade'),
  ],
);

/** A live run's events in stream order (`seq`): replayed to late viewers, read by teardown. */
export const liveEvents = pgTable(
  'live_events',
  {
    projectId: bigint('project_id', { mode: 'bigint' }).notNull(),
    runId: bigint('run_id', { mode: 'bigint' }).notNull(),
    seq: bigint('seq', { mode: 'bigint' }).notNull(),
    sessionId: text('session_id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'live_events_pk', columns: [t.projectId, t.runId, t.seq] }),
    foreignKey({
      name: 'live_events_run_fk',
      columns: [t.projectId, t.runId],
      foreignColumns: [runs.projectId, runs.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'live_events_session_fk',
      columns: [t.projectId, t.sessionId],
      foreignColumns: [liveSessions.projectId, liveSessions.id],
    }).onDelete('cascade'),
    index('live_events_session_kind_idx').on(t.projectId, t.sessionId, t.kind),
  ],
);

/** A project's integration with a code platform (DESIGN.md §7); the token encrypted at rest. */
export const projectIntegrations = pgTable(
  'project_integrations',
  {
    projectId: projectId(),
    provider: text('provider', { enum: ['github', 'gitlab', 'azure'] }).notNull(),
    baseUrl: text('base_url').notNull(),
    repository: text('repository').notNull(),
    /** base64 of iv | tag | ciphertext (AES-256-GCM). */
    tokenCiphertext: text('token_ciphertext').notNull(),
    /** Which ENCRYPTION_KEY key sealed it. */
    tokenKeyId: text('token_key_id').notNull(),
    tokenFingerprint: text('token_fingerprint').notNull(),
    comments: boolean('comments').notNull().default(true),
    statuses: boolean('statuses').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'project_integrations_pk', columns: [t.projectId, t.provider] }),
    check(
      'project_integrations_provider_check',
      sql`${t.provider} in ('github', 'gitlab', 'azure')`,
    ),
  ],
);

/** The outbox: one run's summary to one pull/merge request, sent by the delivery worker. */
export const scmDeliveries = pgTable(
  'scm_deliveries',
  {
    id: rowId(),
    projectId: projectId(),
    runId: bigint('run_id', { mode: 'bigint' }).notNull(),
    provider: text('provider').notNull(),
    repository: text('repository').notNull(),
    pr: text('pr').notNull(),
    commit: text('commit'),
    state: text('state', {
      enum: ['pending', 'sending', 'delivered', 'failed', 'skipped'],
    }).notNull(),
    /** Bumped by each completion of the run; the worker sends until sent_seq catches up. */
    requestedSeq: integer('requested_seq').notNull().default(1),
    claimedSeq: integer('claimed_seq').notNull().default(0),
    sentSeq: integer('sent_seq').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    lastHttpStatus: integer('last_http_status'),
    commentUrl: text('comment_url'),
    statusState: text('status_state'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'scm_deliveries_pk', columns: [t.projectId, t.id] }),
    foreignKey({
      name: 'scm_deliveries_run_fk',
      columns: [t.projectId, t.runId],
      foreignColumns: [runs.projectId, runs.id],
    }).onDelete('cascade'),
    check(
      'scm_deliveries_state_check',
      sql`${t.state} in ('pending', 'sending', 'delivered', 'failed', 'skipped')`,
    ),
    uniqueIndex('scm_deliveries_run_provider_idx').on(t.projectId, t.runId, t.provider),
    index('scm_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.state} in ('pending', 'sending')`),
  ],
);

/** A pull/merge request's sticky comment, and the lease serialising deliveries to it. */
export const scmPullRequests = pgTable(
  'scm_pull_requests',
  {
    projectId: projectId(),
    provider: text('provider').notNull(),
    repository: text('repository').notNull(),
    pr: text('pr').notNull(),
    commentId: text('comment_id'),
    commentUrl: text('comment_url'),
    /** The run the comment shows: an older run delivered late does not replace a newer one. */
    commentRunId: bigint('comment_run_id', { mode: 'bigint' }),
    commentRunStartedAt: timestamp('comment_run_started_at', { withTimezone: true }),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({
      name: 'scm_pull_requests_pk',
      columns: [t.projectId, t.provider, t.repository, t.pr],
    }),
  ],
);
