-- The scale path's last step (docs/scaling.md): Citus, with project_id as the distribution column
-- of every growing table. Citus requires every primary key and unique index of a distributed table
-- to include the distribution column, and every foreign key between two distributed tables to
-- include it on both sides (so a row and what it references are on the same node). Ids stay global
-- identities and the API keeps using them; the keys only gain project_id in front.
--
-- Foreign keys between growing tables go first: they depend on the keys being replaced.
ALTER TABLE "run_parts" DROP CONSTRAINT "run_parts_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "live_sessions" DROP CONSTRAINT "live_sessions_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "live_batches" DROP CONSTRAINT "live_batches_session_id_live_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "live_events" DROP CONSTRAINT "live_events_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "live_events" DROP CONSTRAINT "live_events_session_id_live_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "scm_deliveries" DROP CONSTRAINT "scm_deliveries_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "runs" DROP CONSTRAINT "runs_pkey";
--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_pk" PRIMARY KEY ("project_id", "id");
--> statement-breakpoint
-- A run by its id alone: GET /runs/:runId and its stream, which learn the project from the run.
CREATE INDEX "runs_id_idx" ON "runs" USING btree ("id");
--> statement-breakpoint
ALTER TABLE "run_parts" DROP CONSTRAINT "run_parts_pkey";
--> statement-breakpoint
ALTER TABLE "run_parts" ADD CONSTRAINT "run_parts_pk" PRIMARY KEY ("project_id", "id");
--> statement-breakpoint
DROP INDEX "run_parts_run_shard_idx";
--> statement-breakpoint
CREATE UNIQUE INDEX "run_parts_run_shard_idx" ON "run_parts" USING btree ("project_id", "run_id", "shard");
--> statement-breakpoint
ALTER TABLE "tests" DROP CONSTRAINT "tests_pkey";
--> statement-breakpoint
ALTER TABLE "tests" ADD CONSTRAINT "tests_pk" PRIMARY KEY ("project_id", "id");
--> statement-breakpoint
-- A test by its id alone: GET /tests/:testId, which learns the project from the test.
CREATE INDEX "tests_id_idx" ON "tests" USING btree ("id");
--> statement-breakpoint
-- Still the per-test history index: (project, test, created_at).
ALTER TABLE "test_results" DROP CONSTRAINT "test_results_pkey";
--> statement-breakpoint
ALTER TABLE "test_results" ADD CONSTRAINT "test_results_pk" PRIMARY KEY ("project_id", "test_id", "created_at", "run_id", "part_id", "repeat_index");
--> statement-breakpoint
ALTER TABLE "test_stats" DROP CONSTRAINT "test_stats_pkey";
--> statement-breakpoint
ALTER TABLE "test_stats" ADD CONSTRAINT "test_stats_pk" PRIMARY KEY ("project_id", "test_id");
--> statement-breakpoint
ALTER TABLE "live_sessions" DROP CONSTRAINT "live_sessions_pkey";
--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_pk" PRIMARY KEY ("project_id", "id");
--> statement-breakpoint
ALTER TABLE "live_batches" DROP CONSTRAINT "live_batches_pk";
--> statement-breakpoint
ALTER TABLE "live_batches" ADD CONSTRAINT "live_batches_pk" PRIMARY KEY ("project_id", "session_id", "seq");
--> statement-breakpoint
ALTER TABLE "scm_deliveries" DROP CONSTRAINT "scm_deliveries_pkey";
--> statement-breakpoint
ALTER TABLE "scm_deliveries" ADD CONSTRAINT "scm_deliveries_pk" PRIMARY KEY ("project_id", "id");
--> statement-breakpoint
ALTER TABLE "run_parts" ADD CONSTRAINT "run_parts_run_fk" FOREIGN KEY ("project_id", "run_id") REFERENCES "public"."runs"("project_id", "id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_run_fk" FOREIGN KEY ("project_id", "run_id") REFERENCES "public"."runs"("project_id", "id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_batches" ADD CONSTRAINT "live_batches_session_fk" FOREIGN KEY ("project_id", "session_id") REFERENCES "public"."live_sessions"("project_id", "id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_events" ADD CONSTRAINT "live_events_run_fk" FOREIGN KEY ("project_id", "run_id") REFERENCES "public"."runs"("project_id", "id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "live_events" ADD CONSTRAINT "live_events_session_fk" FOREIGN KEY ("project_id", "session_id") REFERENCES "public"."live_sessions"("project_id", "id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
DROP INDEX "live_events_session_kind_idx";
--> statement-breakpoint
CREATE INDEX "live_events_session_kind_idx" ON "live_events" USING btree ("project_id", "session_id", "kind");
--> statement-breakpoint
ALTER TABLE "scm_deliveries" ADD CONSTRAINT "scm_deliveries_run_fk" FOREIGN KEY ("project_id", "run_id") REFERENCES "public"."runs"("project_id", "id") ON DELETE cascade ON UPDATE no action;
