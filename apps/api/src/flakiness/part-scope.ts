/** Where a part's results are counted: its project, day, branch and commit. */
export interface PartScope {
  projectId: string;
  /** The part's start: its results are counted on this day (UTC). */
  createdAt: Date;
  branch: string | null;
  commit: string | null;
  /** Parts of the commit whose stored results are not read as counted: always the part being
   *  added or taken out, and the parts of a run rejoining the statistics not re-added yet. */
  uncountedPartIds: readonly string[];
}
