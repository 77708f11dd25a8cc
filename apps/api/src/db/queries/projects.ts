import type { Sql, TxSql } from '../client.ts';
import { generateProjectToken, insertProjectToken } from './tokens.ts';

export interface ProjectRow {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export interface ProjectWithCounts extends ProjectRow {
  runCount: number;
  resultCount: number;
  lastUploadAt: Date | null;
}

const isNumericId = (key: string) => /^\d{1,18}$/.test(key);

/** A project by id or slug. */
export async function findProject(sql: Sql, key: string): Promise<ProjectRow | undefined> {
  // Neither an id nor a slug can hold anything else; NUL would not even reach PostgreSQL.
  if (!/^[a-z0-9-]{1,64}$/.test(key)) return undefined;
  const [row] = isNumericId(key)
    ? await sql<ProjectRow[]>`
        select id, slug, name, created_at as "createdAt" from projects where id = ${key} or slug = ${key}
        order by (id = ${key}) desc limit 1`
    : await sql<ProjectRow[]>`
        select id, slug, name, created_at as "createdAt" from projects where slug = ${key}`;
  return row;
}

/**
 * Creates a project and its first token, together; undefined when the slug is taken. The token is
 * returned this once: only its hash is stored.
 */
export async function createProject(
  sql: Sql,
  name: string,
  slug: string,
): Promise<{ project: ProjectRow; token: string } | undefined> {
  const token = generateProjectToken();
  return sql.begin(async (tx) => {
    const [row] = await tx<ProjectRow[]>`
      insert into projects (name, slug) values (${name}, ${slug})
      on conflict (slug) do nothing
      returning id, slug, name, created_at as "createdAt"`;
    if (!row) return undefined;
    await insertProjectToken(tx, row.id, token);
    return { project: row, token };
  });
}

export async function listProjects(sql: Sql, onlyId?: string): Promise<ProjectRow[]> {
  return sql<ProjectRow[]>`
    select id, slug, name, created_at as "createdAt" from projects
    where ${onlyId === undefined ? sql`true` : sql`id = ${onlyId}`}
    order by name, id`;
}

/** Run and result counts come from the runs table (totals per run), never from a results scan. */
export async function listProjectsWithCounts(sql: Sql): Promise<ProjectWithCounts[]> {
  return sql<ProjectWithCounts[]>`
    select p.id, p.slug, p.name, p.created_at as "createdAt",
      coalesce(r.run_count, 0)::int as "runCount",
      coalesce(r.result_count, 0)::bigint::float8 as "resultCount",
      r.last_upload_at as "lastUploadAt"
    from projects p
    left join lateral (
      select count(*) as run_count, sum(total) as result_count, max(updated_at) as last_upload_at
      from runs where runs.project_id = p.id
    ) r on true
    order by p.name, p.id`;
}

/**
 * Holds the project against deletion until the transaction ends: every write of project data
 * (uploads, retention) takes it first. `for key share` lets those writers run side by side and
 * conflicts only with the `for update` of `deleteProject`. False when the project is gone.
 */
export async function lockProjectForWrite(tx: TxSql, projectId: string): Promise<boolean> {
  const rows = await tx`select 1 from projects where id = ${projectId} for key share`;
  return rows.length > 0;
}

/**
 * Deletes the project and all its data: most tables cascade from it, the rest are cleared here.
 * It first waits for the writes in flight (see lockProjectForWrite), and a write that starts after
 * it finds the project gone, so nothing is left behind.
 */
export async function deleteProject(sql: Sql, projectId: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    const locked = await tx`select 1 from projects where id = ${projectId} for update`;
    if (locked.length === 0) return false;
    // test_results and the per-test aggregates carry no foreign keys (a key check per row would
    // cost as much as the write): their rows are removed explicitly, each through an index.
    await tx`
      delete from test_results
      where run_id in (select id from runs where project_id = ${projectId})
        and project_id = ${projectId}`;
    await tx`delete from test_daily_stats where project_id = ${projectId}`;
    await tx`delete from test_commit_stats where project_id = ${projectId}`;
    await tx`delete from test_stats where project_id = ${projectId}`;
    const deleted = await tx`delete from projects where id = ${projectId}`;
    return deleted.count > 0;
  });
}
