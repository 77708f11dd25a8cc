-- Commit flakes exact for every window and branch filter (flakiness/commit-flake-days.ts): each
-- (test, commit) pair that failed keeps, per branch, the days of its latest counted pass and
-- failure; its flake is counted on the earlier of the two, for all branches (commit_flakes) and
-- per branch (branch_commit_flakes). The pairs and the counts are rebuilt from the stored results.
ALTER TABLE "test_daily_stats" ADD COLUMN "branch_commit_flakes" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "project_daily_stats" ADD COLUMN "branch_commit_flakes" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "test_commit_stats" RENAME TO "test_commit_pairs_0006";
--> statement-breakpoint
CREATE TABLE "test_commit_stats" (
	"project_id" bigint NOT NULL,
	"commit" text NOT NULL,
	"test_id" bigint NOT NULL,
	"branch" text NOT NULL,
	"last_pass_day" date,
	"last_fail_day" date,
	CONSTRAINT "test_commit_stats_project_id_commit_test_id_branch_pk" PRIMARY KEY("project_id","commit","test_id","branch")
);
--> statement-breakpoint
INSERT INTO "test_commit_stats" ("project_id", "commit", "test_id", "branch", "last_pass_day", "last_fail_day")
SELECT r."project_id", r."commit", tr."test_id", coalesce(r."branch", ''),
  max((tr."created_at" AT TIME ZONE 'UTC')::date) FILTER (WHERE tr."outcome" IN ('expected', 'flaky')),
  max((tr."created_at" AT TIME ZONE 'UTC')::date) FILTER (WHERE tr."outcome" = 'unexpected')
FROM "test_commit_pairs_0006" o
JOIN "runs" r ON r."project_id" = o."project_id" AND r."commit" = o."commit" AND NOT r."excluded_from_stats"
JOIN "test_results" tr ON tr."project_id" = r."project_id" AND tr."run_id" = r."id" AND tr."test_id" = o."test_id"
WHERE tr."outcome" <> 'skipped'
GROUP BY r."project_id", r."commit", tr."test_id", coalesce(r."branch", '');
--> statement-breakpoint
DROP TABLE "test_commit_pairs_0006";
--> statement-breakpoint
-- A pair whose failures left with their partition has nothing left to follow.
DELETE FROM "test_commit_stats" s WHERE NOT EXISTS (
  SELECT 1 FROM "test_commit_stats" f
  WHERE f."project_id" = s."project_id" AND f."commit" = s."commit" AND f."test_id" = s."test_id"
    AND f."last_fail_day" IS NOT NULL);
--> statement-breakpoint
UPDATE "test_daily_stats" SET "commit_flakes" = 0 WHERE "commit_flakes" <> 0;
--> statement-breakpoint
UPDATE "project_daily_stats" SET "commit_flakes" = 0 WHERE "commit_flakes" <> 0;
--> statement-breakpoint
WITH "pairs" AS (
  SELECT "project_id", "commit", "test_id", least(max("last_pass_day"), max("last_fail_day")) AS "day"
  FROM "test_commit_stats" GROUP BY "project_id", "commit", "test_id"
  HAVING max("last_pass_day") IS NOT NULL
),
-- All branches: on the first branch (by name) with a result on that day.
"all_branches" AS (
  SELECT p."project_id", p."test_id", p."day", min(s."branch") AS "branch"
  FROM "pairs" p
  JOIN "test_commit_stats" s ON s."project_id" = p."project_id" AND s."commit" = p."commit"
    AND s."test_id" = p."test_id" AND p."day" IN (s."last_pass_day", s."last_fail_day")
  GROUP BY p."project_id", p."commit", p."test_id", p."day"
),
"flakes" AS (
  SELECT "project_id", "test_id", "day", "branch", 1 AS "all_branches", 0 AS "one_branch" FROM "all_branches"
  UNION ALL
  SELECT "project_id", "test_id", least("last_pass_day", "last_fail_day"), "branch", 0, 1
  FROM "test_commit_stats" WHERE "last_pass_day" IS NOT NULL AND "last_fail_day" IS NOT NULL
)
INSERT INTO "test_daily_stats" AS d ("project_id", "test_id", "day", "branch", "commit_flakes", "branch_commit_flakes")
SELECT "project_id", "test_id", "day", "branch", sum("all_branches"), sum("one_branch")
FROM "flakes" GROUP BY "project_id", "test_id", "day", "branch"
ON CONFLICT ("project_id", "test_id", "day", "branch") DO UPDATE SET
  "commit_flakes" = excluded."commit_flakes", "branch_commit_flakes" = excluded."branch_commit_flakes";
--> statement-breakpoint
INSERT INTO "project_daily_stats" AS d ("project_id", "day", "branch", "commit_flakes", "branch_commit_flakes")
SELECT "project_id", "day", "branch", sum("commit_flakes"), sum("branch_commit_flakes")
FROM "test_daily_stats" WHERE "commit_flakes" <> 0 OR "branch_commit_flakes" <> 0
GROUP BY "project_id", "day", "branch"
ON CONFLICT ("project_id", "day", "branch") DO UPDATE SET
  "commit_flakes" = excluded."commit_flakes", "branch_commit_flakes" = excluded."branch_commit_flakes";
--> statement-breakpoint
-- test_stats' window counters: the days of the project's current window.
UPDATE "test_stats" s SET
  "commit_flakes" = coalesce(w."commit_flakes", 0),
  "flake_rate" = CASE WHEN s."runs" > 0
    THEN least(1.0, (s."flaky_runs" + coalesce(w."commit_flakes", 0))::float8 / s."runs") ELSE 0 END
FROM "test_stats" t
LEFT JOIN (
  SELECT d."test_id", sum(d."commit_flakes")::int AS "commit_flakes"
  FROM "test_daily_stats" d
  JOIN "project_windows" pw ON pw."project_id" = d."project_id" AND d."day" >= pw."start_day"
  WHERE d."commit_flakes" <> 0
  GROUP BY d."test_id"
) w ON w."test_id" = t."test_id"
WHERE s."test_id" = t."test_id" AND s."commit_flakes" <> coalesce(w."commit_flakes", 0);
