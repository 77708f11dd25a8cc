-- Failures grouped by error signature read only the failing rows of a project's window.
CREATE INDEX "test_results_errors_idx" ON "test_results" ("project_id", "created_at") WHERE "error_signature" IS NOT NULL;
