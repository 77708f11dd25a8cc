-- Flaky states follow the window (DESIGN.md §4): a resolved test says why (enough clean runs, or
-- its last flaky event left the window), and the clean streak follows run start time, so a
-- backfilled older report neither advances nor resets it.
ALTER TABLE "test_stats" ADD COLUMN "resolution" text;
--> statement-breakpoint
ALTER TABLE "test_stats" ADD COLUMN "streak_at" timestamp with time zone;
--> statement-breakpoint
UPDATE "test_stats" SET "resolution" = 'clean-runs' WHERE "status" = 'resolved';
--> statement-breakpoint
-- The active count is read from test_stats as of the moment of the read (an active test ages out
-- without an upload), so a stored count would only disagree with it.
ALTER TABLE "project_windows" DROP COLUMN "active_flaky";
