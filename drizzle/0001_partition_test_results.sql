-- test_results is range-partitioned by month on created_at (the run's start time), so retention
-- drops whole partitions and time-bounded reads touch only the months they ask for.
-- Drizzle cannot declare partitioning: the generated table is replaced by a partitioned one with the
-- same columns, defaults and primary key (which starts with (test_id, created_at), so it is also the
-- per-test history index).
ALTER TABLE "test_results" RENAME TO "test_results_template";
--> statement-breakpoint
CREATE TABLE "test_results" (LIKE "test_results_template" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES) PARTITION BY RANGE ("created_at");
--> statement-breakpoint
DROP TABLE "test_results_template";
--> statement-breakpoint
CREATE INDEX "test_results_created_brin" ON "test_results" USING brin ("created_at");
--> statement-breakpoint
CREATE INDEX "test_results_run_idx" ON "test_results" ("run_id");
--> statement-breakpoint
-- Creates the partition holding month_start's month (UTC bounds) unless it exists. Uploads call it inside their
-- transaction for every month they write; the advisory lock makes concurrent uploads for a new month
-- wait for the first creator instead of failing on a duplicate table.
CREATE FUNCTION "ensure_test_results_partition"(month_start date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  first_day date := date_trunc('month', month_start)::date;
  partition_name text := 'test_results_' || to_char(first_day, 'YYYY_MM');
BEGIN
  IF to_regclass(partition_name) IS NOT NULL THEN
    RETURN partition_name;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext(partition_name));
  -- After the wait the session's cached lookup may still say "missing": IF NOT EXISTS looks again,
  -- and a creator that won the race anyway is not an error.
  BEGIN
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF "test_results" FOR VALUES FROM (%L) TO (%L)',
      partition_name,
      to_char(first_day, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(first_day + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
    );
  EXCEPTION WHEN duplicate_table THEN
    NULL;
  END;
  RETURN partition_name;
END;
$$;
