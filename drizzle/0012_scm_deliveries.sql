-- Pull/merge request summaries (DESIGN.md §7): a project's integration with a code platform, and the
-- durable outbox of deliveries (one sticky comment and one commit status per run and PR).
--
-- The provider token is kept encrypted (AES-256-GCM): `token_ciphertext` is base64 of
-- iv (12 bytes) | tag (16 bytes) | ciphertext, under the key `token_key_id` names (ENCRYPTION_KEY
-- holds the keys; several during a rotation). `token_fingerprint` is what the API shows instead.
CREATE TABLE "project_integrations" (
	"project_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"base_url" text NOT NULL,
	"repository" text NOT NULL,
	"token_ciphertext" text NOT NULL,
	"token_key_id" text NOT NULL,
	"token_fingerprint" text NOT NULL,
	"comments" boolean DEFAULT true NOT NULL,
	"statuses" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_integrations_pk" PRIMARY KEY ("project_id", "provider"),
	CONSTRAINT "project_integrations_provider_check" CHECK ("project_integrations"."provider" in ('github', 'gitlab', 'azure'))
);
--> statement-breakpoint
ALTER TABLE "project_integrations" ADD CONSTRAINT "project_integrations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- One run's summary to one pull/merge request. Queued in the transaction that completed the run
-- (upload, teardown, live setup); each later completion of the run (a shard, a re-upload) bumps
-- `requested_seq`, so one row carries the run's latest state and a send in progress is followed by
-- one more. The worker that claims a row holds its lease (`lease_owner`, `lease_until`); a lease
-- that runs out (a killed process) makes the row claimable again.
CREATE TABLE "scm_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scm_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"repository" text NOT NULL,
	"pr" text NOT NULL,
	"commit" text,
	"state" text NOT NULL,
	"requested_seq" integer DEFAULT 1 NOT NULL,
	"claimed_seq" integer DEFAULT 0 NOT NULL,
	"sent_seq" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"last_http_status" integer,
	"comment_url" text,
	"status_state" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "scm_deliveries_state_check" CHECK ("scm_deliveries"."state" in ('pending', 'sending', 'delivered', 'failed', 'skipped'))
);
--> statement-breakpoint
ALTER TABLE "scm_deliveries" ADD CONSTRAINT "scm_deliveries_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "scm_deliveries" ADD CONSTRAINT "scm_deliveries_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "scm_deliveries_run_provider_idx" ON "scm_deliveries" USING btree ("project_id", "run_id", "provider");
--> statement-breakpoint
-- The worker's queue: only rows still to send.
CREATE INDEX "scm_deliveries_due_idx" ON "scm_deliveries" USING btree ("next_attempt_at") WHERE "scm_deliveries"."state" in ('pending', 'sending');
--> statement-breakpoint
-- One pull/merge request of a project's repository: its sticky comment's id (the next update needs
-- one request, not a search), and the lease that serialises every delivery to it (shards, re-runs
-- and a live run plus its upload all write the same comment, one at a time). `comment_run_*` name
-- the run the comment shows: an older run delivered late does not replace a newer one.
CREATE TABLE "scm_pull_requests" (
	"project_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"repository" text NOT NULL,
	"pr" text NOT NULL,
	"comment_id" text,
	"comment_url" text,
	"comment_run_id" bigint,
	"comment_run_started_at" timestamp with time zone,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scm_pull_requests_pk" PRIMARY KEY ("project_id", "provider", "repository", "pr")
);
--> statement-breakpoint
ALTER TABLE "scm_pull_requests" ADD CONSTRAINT "scm_pull_requests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
