-- A partition created with CREATE TABLE … PARTITION OF holds an ACCESS EXCLUSIVE lock on
-- test_results until its transaction ends, which stalls every upload and read meanwhile. The month's
-- table is now created on its own, with a CHECK constraint matching the partition's bounds (so
-- ATTACH skips scanning it), and attached with ATTACH PARTITION, which takes only SHARE UPDATE
-- EXCLUSIVE on test_results: concurrent inserts and reads go on. Callers run it in a short
-- transaction of its own, never inside an upload's.
CREATE OR REPLACE FUNCTION "ensure_test_results_partition"(month_start date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  first_day date := date_trunc('month', month_start)::date;
  partition_name text := 'test_results_' || to_char(first_day, 'YYYY_MM');
  lower_bound text := to_char(first_day, 'YYYY-MM-DD') || ' 00:00:00+00';
  upper_bound text := to_char(first_day + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00';
  bounds_check text := partition_name || '_bounds';
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
    WHERE child.relname = partition_name AND pg_inherits.inhparent = 'test_results'::regclass
  ) THEN
    RETURN partition_name;
  END IF;
  -- One creator per month at a time: the others wait here, then find it attached (read from the
  -- catalog tables, not with to_regclass, whose cached lookup may not have seen it yet). Creators of
  -- different months take different advisory locks and then the same table lock, in that order,
  -- so they never deadlock.
  PERFORM pg_advisory_xact_lock(hashtext(partition_name));
  IF EXISTS (
    SELECT 1 FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
    WHERE child.relname = partition_name AND pg_inherits.inhparent = 'test_results'::regclass
  ) THEN
    RETURN partition_name;
  END IF;
  EXECUTE format(
    'CREATE TABLE IF NOT EXISTS %I (LIKE "test_results" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
    partition_name
  );
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint JOIN pg_class child ON child.oid = pg_constraint.conrelid
    WHERE child.relname = partition_name AND conname = bounds_check
  ) THEN
    EXECUTE format(
      'ALTER TABLE %I ADD CONSTRAINT %I CHECK ("created_at" IS NOT NULL AND "created_at" >= %L AND "created_at" < %L)',
      partition_name, bounds_check, lower_bound, upper_bound
    );
  END IF;
  EXECUTE format(
    'ALTER TABLE "test_results" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    partition_name, lower_bound, upper_bound
  );
  -- The partition's bounds say the same from now on.
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', partition_name, bounds_check);
  RETURN partition_name;
END;
$$;
