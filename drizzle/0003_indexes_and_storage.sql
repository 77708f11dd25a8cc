-- Failures grouped by error signature read only the failing rows of a project's window.
CREATE INDEX "test_results_errors_idx" ON "test_results" ("project_id", "created_at") WHERE "error_signature" IS NOT NULL;
--> statement-breakpoint
-- Every upload updates one row per test in these tables; free room on each page lets the new
-- version stay on its page (a HOT update, without index writes) when no indexed value changes.
ALTER TABLE "test_stats" SET (fillfactor = 70);
--> statement-breakpoint
ALTER TABLE "test_daily_stats" SET (fillfactor = 70);
