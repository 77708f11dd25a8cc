-- Dashboard sessions: a login with the admin token or a project token becomes a session whose
-- secret (flks_…) the dashboard keeps in an HTTP-only cookie; only its SHA-256 hash is stored.
-- A project session ends with the token it was opened with (the row, through its foreign key, and
-- the token's expires_at, checked at each read); an admin session keeps the hash of the admin token
-- in force, so changing ADMIN_TOKEN ends it.
CREATE TABLE "sessions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sessions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"secret_hash" text NOT NULL,
	"kind" text NOT NULL,
	"project_id" bigint,
	"token_id" bigint,
	"admin_token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sessions_secret_hash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "sessions_kind_check" CHECK ("sessions"."kind" in ('admin', 'project')),
	CONSTRAINT "sessions_credential_check" CHECK (
		("sessions"."kind" = 'admin' and "sessions"."admin_token_hash" is not null
			and "sessions"."project_id" is null and "sessions"."token_id" is null)
		or ("sessions"."kind" = 'project' and "sessions"."admin_token_hash" is null
			and "sessions"."project_id" is not null and "sessions"."token_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_token_id_project_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."project_tokens"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Expired sessions are deleted at login by this range.
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");
--> statement-breakpoint
-- The cascades from a deleted project or token find its sessions through these.
CREATE INDEX "sessions_project_idx" ON "sessions" USING btree ("project_id") WHERE "sessions"."project_id" is not null;
--> statement-breakpoint
CREATE INDEX "sessions_token_idx" ON "sessions" USING btree ("token_id") WHERE "sessions"."token_id" is not null;
