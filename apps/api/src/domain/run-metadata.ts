/** What an upload (or a live run) says about the CI run it belongs to (DESIGN.md §5). */
export interface RunMetadata {
  branch?: string | undefined;
  commit?: string | undefined;
  pipeline?: string | undefined;
  /** Normalised job name ('' when none): `(project, pipeline, job)` names one run. */
  job: string;
  ciProvider?: string | undefined;
  repository?: string | undefined;
  pr?: string | undefined;
  runUrl?: string | undefined;
  environment?: string | undefined;
  runName?: string | undefined;
}
