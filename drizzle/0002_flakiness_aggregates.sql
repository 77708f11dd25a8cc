CREATE TABLE "project_daily_stats" (
	"project_id" bigint NOT NULL,
	"day" date NOT NULL,
	"branch" text DEFAULT '' NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"expected_runs" integer DEFAULT 0 NOT NULL,
	"flaky_runs" integer DEFAULT 0 NOT NULL,
	"failed_runs" integer DEFAULT 0 NOT NULL,
	"skipped_runs" integer DEFAULT 0 NOT NULL,
	"commit_flakes" integer DEFAULT 0 NOT NULL,
	"duration_ms" bigint DEFAULT 0 NOT NULL,
	"wasted_ms" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "project_daily_stats_project_id_day_branch_pk" PRIMARY KEY("project_id","day","branch")
);
--> statement-breakpoint
CREATE TABLE "project_windows" (
	"project_id" bigint PRIMARY KEY NOT NULL,
	"window_days" integer NOT NULL,
	"start_day" date NOT NULL,
	"active_flaky" integer DEFAULT 0 NOT NULL,
	"tests_in_window" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "test_commit_stats" (
	"project_id" bigint NOT NULL,
	"test_id" bigint NOT NULL,
	"commit" text NOT NULL,
	"passes" integer DEFAULT 0 NOT NULL,
	"fails" integer DEFAULT 0 NOT NULL,
	"flaked_day" date,
	"flaked_branch" text,
	"last_day" date NOT NULL,
	CONSTRAINT "test_commit_stats_project_id_test_id_commit_pk" PRIMARY KEY("project_id","test_id","commit")
);
--> statement-breakpoint
CREATE TABLE "test_daily_stats" (
	"project_id" bigint NOT NULL,
	"test_id" bigint NOT NULL,
	"day" date NOT NULL,
	"branch" text DEFAULT '' NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"expected_runs" integer DEFAULT 0 NOT NULL,
	"flaky_runs" integer DEFAULT 0 NOT NULL,
	"failed_runs" integer DEFAULT 0 NOT NULL,
	"skipped_runs" integer DEFAULT 0 NOT NULL,
	"commit_flakes" integer DEFAULT 0 NOT NULL,
	"duration_ms" bigint DEFAULT 0 NOT NULL,
	"wasted_ms" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "test_daily_stats_project_id_test_id_day_branch_pk" PRIMARY KEY("project_id","test_id","day","branch")
);
--> statement-breakpoint
CREATE TABLE "test_stats" (
	"test_id" bigint PRIMARY KEY NOT NULL,
	"project_id" bigint NOT NULL,
	"status" text,
	"first_detected_at" timestamp with time zone,
	"last_flaky_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"clean_streak" integer DEFAULT 0 NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"expected_runs" integer DEFAULT 0 NOT NULL,
	"flaky_runs" integer DEFAULT 0 NOT NULL,
	"failed_runs" integer DEFAULT 0 NOT NULL,
	"skipped_runs" integer DEFAULT 0 NOT NULL,
	"commit_flakes" integer DEFAULT 0 NOT NULL,
	"duration_ms" bigint DEFAULT 0 NOT NULL,
	"wasted_ms" bigint DEFAULT 0 NOT NULL,
	"flake_rate" double precision DEFAULT 0 NOT NULL,
	"listed_runs" integer,
	"listed_last_seen_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "project_daily_stats" ADD CONSTRAINT "project_daily_stats_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_windows" ADD CONSTRAINT "project_windows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "test_stats_rate_idx" ON "test_stats" USING btree ("project_id","status","flake_rate","test_id") WHERE "test_stats"."status" is not null;--> statement-breakpoint
CREATE INDEX "test_stats_seen_idx" ON "test_stats" USING btree ("project_id","status","listed_last_seen_at","test_id") WHERE "test_stats"."status" is not null;--> statement-breakpoint
CREATE INDEX "test_stats_runs_idx" ON "test_stats" USING btree ("project_id","status","listed_runs","test_id") WHERE "test_stats"."status" is not null;--> statement-breakpoint
CREATE INDEX "test_stats_resolved_idx" ON "test_stats" USING btree ("project_id","resolved_at") WHERE "test_stats"."status" = 'resolved';--> statement-breakpoint
CREATE INDEX "test_stats_project_idx" ON "test_stats" USING btree ("project_id");