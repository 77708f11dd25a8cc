-- Names the state of a project's counted results: every upload, window move and retention pass
-- takes the project's window row and gives this a new random value (random, not a counter: after a
-- backup is restored or a replica promoted without the last transactions, a counter would repeat
-- its values for other data). A read that derives numbers from the window's raw results (flip
-- rates) can reuse them while it is unchanged.
ALTER TABLE "project_windows" ADD COLUMN "results_version" bigint DEFAULT 0 NOT NULL;
