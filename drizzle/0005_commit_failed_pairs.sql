-- test_commit_stats keeps only pairs that failed (flakiness/commit-flakes.ts): the passes of a pair
-- that never failed are read from the stored results when it first fails.
DELETE FROM "test_commit_stats" WHERE "fails" <= 0;--> statement-breakpoint
ALTER TABLE "test_commit_stats" DROP CONSTRAINT "test_commit_stats_project_id_test_id_commit_pk";--> statement-breakpoint
ALTER TABLE "test_commit_stats" ADD CONSTRAINT "test_commit_stats_project_id_commit_test_id_pk" PRIMARY KEY("project_id","commit","test_id");--> statement-breakpoint
CREATE INDEX "runs_project_commit_idx" ON "runs" USING btree ("project_id","commit") WHERE "runs"."commit" is not null;
