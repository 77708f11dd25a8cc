-- Counts the changes to a project's counted results (every upload, window move and retention pass
-- takes the project's window row, and now bumps this with it): a read that derives numbers from
-- the raw results of the window (flip rates) can reuse them while it is unchanged.
ALTER TABLE "project_windows" ADD COLUMN "results_version" bigint DEFAULT 0 NOT NULL;
