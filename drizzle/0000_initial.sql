CREATE TYPE "public"."outcome" AS ENUM('expected', 'unexpected', 'flaky', 'skipped');--> statement-breakpoint
CREATE TABLE "project_tokens" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "project_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"token_hash" text NOT NULL,
	"token_prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "project_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "projects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "run_parts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "run_parts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"shard" text DEFAULT '' NOT NULL,
	"content_hash" text NOT NULL,
	"idempotency_key" text,
	"status" text NOT NULL,
	"partial" boolean DEFAULT false NOT NULL,
	"playwright_version" text,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"expected" integer DEFAULT 0 NOT NULL,
	"unexpected" integer DEFAULT 0 NOT NULL,
	"flaky" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"branch" text,
	"commit" text,
	"pipeline" text,
	"job" text DEFAULT '' NOT NULL,
	"ci_provider" text,
	"repository" text,
	"pr" text,
	"run_url" text,
	"environment" text,
	"run_name" text,
	"playwright_version" text,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"expected" integer DEFAULT 0 NOT NULL,
	"unexpected" integer DEFAULT 0 NOT NULL,
	"flaky" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"excluded_from_stats" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "test_results" (
	"project_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"part_id" bigint NOT NULL,
	"test_id" bigint NOT NULL,
	"repeat_index" smallint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"outcome" "outcome" NOT NULL,
	"expected_status" text NOT NULL,
	"attempts" smallint NOT NULL,
	"final_status" text,
	"duration_ms" integer NOT NULL,
	"failed_duration_ms" integer DEFAULT 0 NOT NULL,
	"error_message" text,
	"error_signature" text,
	"details" jsonb,
	CONSTRAINT "test_results_test_id_created_at_run_id_part_id_repeat_index_pk" PRIMARY KEY("test_id","created_at","run_id","part_id","repeat_index")
);
--> statement-breakpoint
CREATE TABLE "tests" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"identity_hash" text NOT NULL,
	"project_name" text NOT NULL,
	"file" text NOT NULL,
	"title" text NOT NULL,
	"title_path" text[] NOT NULL,
	"playwright_id" text,
	"line" integer,
	"column" integer,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_tokens" ADD CONSTRAINT "project_tokens_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_parts" ADD CONSTRAINT "run_parts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_parts" ADD CONSTRAINT "run_parts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tests" ADD CONSTRAINT "tests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_tokens_project_idx" ON "project_tokens" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "run_parts_run_shard_idx" ON "run_parts" USING btree ("run_id","shard");--> statement-breakpoint
CREATE UNIQUE INDEX "run_parts_content_idx" ON "run_parts" USING btree ("project_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "run_parts_idempotency_idx" ON "run_parts" USING btree ("project_id","idempotency_key") WHERE "run_parts"."idempotency_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_pipeline_job_idx" ON "runs" USING btree ("project_id","pipeline","job") WHERE "runs"."pipeline" is not null;--> statement-breakpoint
CREATE INDEX "runs_project_started_idx" ON "runs" USING btree ("project_id","started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "tests_identity_idx" ON "tests" USING btree ("project_id","identity_hash");