-- A test's siblings (the same file and title path in the other Playwright projects) are one range
-- of this index. The file is indexed by its MD5, fixed in width: a path of any length fits a btree
-- entry, and the file and title path are compared on the few rows of the range.
CREATE INDEX "tests_file_idx" ON "tests" USING btree ("project_id", md5("file"));
