import type { TxSql } from '../db/client.ts';
import { lockProjectForWrite } from '../db/queries/projects.ts';

/** The upload's project was deleted before its transaction began: nothing is stored. */
export class ProjectGone extends Error {
  constructor(readonly projectId: string) {
    super(`project ${projectId} was deleted`);
  }
}

/**
 * First statement of an upload's transaction: a project deletion waits for the upload to end, and
 * an upload that begins after a deletion stores nothing.
 */
export async function lockUploadProject(tx: TxSql, projectId: string): Promise<void> {
  if (!(await lockProjectForWrite(tx, projectId))) throw new ProjectGone(projectId);
}
