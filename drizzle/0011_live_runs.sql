-- Live runs (DESIGN.md §6): a reporter opens a session on a run, sends numbered batches of events,
-- and ends with a teardown that stores the run's results as an upload of its JSON report would.
--
-- A run's stream: every stored event gets the next number of its run's event_seq, taken under the
-- run's row lock, so numbers are handed out in commit order and a reader that has seen event N has
-- seen every event before it (Last-Event-ID resumes without a gap).
ALTER TABLE "runs" ADD COLUMN "event_seq" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- A project's stream: every change of a run takes the next number of its project's counter
-- (project_streams.seq), again under a row lock, and keeps it here.
ALTER TABLE "runs" ADD COLUMN "change_seq" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE INDEX "runs_project_change_idx" ON "runs" USING btree ("project_id", "change_seq");
--> statement-breakpoint
CREATE TABLE "project_streams" (
	"project_id" bigint PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_streams" ADD CONSTRAINT "project_streams_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- One reporter process (one shard) streaming into a run. `meta` is the run metadata its setup sent,
-- kept for the teardown's ingestion; `teardown` the teardown body once one was accepted.
CREATE TABLE "live_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"shard" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"reporter_version" text,
	"playwright_version" text,
	"total_tests" integer NOT NULL,
	"meta" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL,
	"finished" integer DEFAULT 0 NOT NULL,
	"expected" integer DEFAULT 0 NOT NULL,
	"unexpected" integer DEFAULT 0 NOT NULL,
	"flaky" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"teardown" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "live_sessions_status_check" CHECK ("live_sessions"."status" in ('running', 'finished', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "live_sessions_run_idx" ON "live_sessions" USING btree ("project_id", "run_id");
--> statement-breakpoint
-- The orphan job's scan: running sessions by their last event.
CREATE INDEX "live_sessions_running_idx" ON "live_sessions" USING btree ("last_event_at") WHERE "live_sessions"."status" = 'running';
--> statement-breakpoint
-- The batches applied, by their number: a batch sent again finds its row and changes nothing.
CREATE TABLE "live_batches" (
	"session_id" text NOT NULL,
	"seq" integer NOT NULL,
	"project_id" bigint NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "live_batches_pk" PRIMARY KEY ("session_id", "seq")
);
--> statement-breakpoint
ALTER TABLE "live_batches" ADD CONSTRAINT "live_batches_session_id_live_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."live_sessions"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- A run's stored events, in stream order: what a page opened mid-run replays, and what the
-- teardown rebuilds the run's report from (kind 'test-end', one per attempt).
CREATE TABLE "live_events" (
	"project_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"session_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "live_events_pk" PRIMARY KEY ("project_id", "run_id", "seq")
);
--> statement-breakpoint
ALTER TABLE "live_events" ADD CONSTRAINT "live_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_events" ADD CONSTRAINT "live_events_session_id_live_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."live_sessions"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "live_events_session_kind_idx" ON "live_events" USING btree ("session_id", "kind");
