-- An upload updates one row per test of the suite in test_stats and in today's test_daily_stats:
-- every row of a page in one statement. A HOT update (no index writes) needs room for the new
-- version on the same page, so each page keeps more than half of itself free; the old versions
-- are pruned when the next upload reads the page. (0003's 70 left room for about a third of them.)
ALTER TABLE "test_stats" SET (fillfactor = 45);
--> statement-breakpoint
ALTER TABLE "test_daily_stats" SET (fillfactor = 45);
