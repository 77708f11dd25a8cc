import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbMode, startTestApp, type TestApp } from './harness.ts';

/**
 * The schema can be distributed by Citus with project_id as the distribution column
 * (docs/scaling.md): checked on the catalog of a migrated database, and on the SQL of src/.
 *
 * Growing tables are every table with a project_id column, except the reference tables below:
 * small, read by every node, replicated in full under Citus.
 */
const referenceTables: Record<string, string> = {
  projects: 'the project list itself (no project_id column: every project_id points at it)',
  project_tokens:
    'looked up by token hash across projects at authentication; one row per token, few per project',
  sessions: 'dashboard logins, looked up by secret hash; admin sessions have no project',
  project_windows: 'one row per project',
  project_streams: 'one row per project',
};

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

describe.skipIf(dbMode !== 'postgres')('the schema is distributable by project_id', () => {
  let t: TestApp;
  let growing: string[];

  beforeAll(async () => {
    t = await startTestApp();
    const rows = await t.database.sql<{ table: string }[]>`
      select c.relname as table from pg_class c
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'project_id' and not a.attisdropped
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
      order by c.relname`;
    growing = rows.map((r) => r.table).filter((name) => !(name in referenceTables));
  });
  afterAll(() => t.close());

  it('knows its growing tables', () => {
    // A new table with a project_id column is growing unless named a reference table above.
    expect(growing).toEqual(
      expect.arrayContaining([
        'runs',
        'run_parts',
        'tests',
        'test_results',
        'test_stats',
        'test_daily_stats',
        'project_daily_stats',
        'test_commit_stats',
        'live_sessions',
        'live_batches',
        'live_events',
        'project_integrations',
        'scm_deliveries',
        'scm_pull_requests',
      ]),
    );
  });

  it('gives every growing table a NOT NULL project_id', async () => {
    const nullable = await t.database.sql<{ table: string }[]>`
      select c.relname as table from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relname = any(${growing}) and c.relnamespace = 'public'::regnamespace
        and a.attname = 'project_id' and not a.attnotnull`;
    expect(nullable.map((r) => r.table)).toEqual([]);
  });

  it('puts project_id in every primary key and unique index of a growing table', async () => {
    const rows = await t.database.sql<{ table: string; index: string; columns: string[] }[]>`
      select c.relname as table, i.relname as index,
        array(select a.attname::text from unnest(x.indkey) k join pg_attribute a
          on a.attrelid = c.oid and a.attnum = k) as columns
      from pg_index x
      join pg_class c on c.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
      where c.relname = any(${growing}) and c.relnamespace = 'public'::regnamespace
        and (x.indisunique or x.indisprimary)`;
    // Every growing table has a primary key (Citus needs none, but a row must be addressable).
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(growing));
    const missing = rows.filter((r) => !r.columns.includes('project_id'));
    expect(missing.map((r) => `${r.table}.${r.index} (${r.columns.join(', ')})`)).toEqual([]);
  });

  it('puts project_id on both sides of every foreign key between growing tables', async () => {
    const rows = await t.database.sql<
      { name: string; from: string; to: string; fromColumns: string[]; toColumns: string[] }[]
    >`
      select con.conname as name, f.relname as from, r.relname as to,
        array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
          join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o)
          as "fromColumns",
        array(select a.attname::text from unnest(con.confkey) with ordinality k(n, o)
          join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o)
          as "toColumns"
      from pg_constraint con
      join pg_class f on f.oid = con.conrelid
      join pg_class r on r.oid = con.confrelid
      where con.contype = 'f' and f.relnamespace = 'public'::regnamespace
        and not f.relispartition`;
    const between = rows.filter((r) => growing.includes(r.from) && growing.includes(r.to));
    expect(between.length).toBeGreaterThan(0);
    const wrong = between.filter(
      (r) =>
        r.fromColumns.indexOf('project_id') !== r.toColumns.indexOf('project_id') ||
        !r.fromColumns.includes('project_id'),
    );
    expect(
      wrong.map((r) => `${r.name}: ${r.from}(${r.fromColumns}) → ${r.to}(${r.toColumns})`),
    ).toEqual([]);
    // A growing table may reference a reference table (Citus allows it); never the other way.
    const fromReference = rows.filter((r) => r.from in referenceTables && growing.includes(r.to));
    expect(fromReference.map((r) => r.name)).toEqual([]);
  });

  it('has no query of a growing table that does not name project_id', () => {
    const statements = sqlStatements(srcDir);
    expect(statements.length).toBeGreaterThan(100);
    const unfiltered = statements.filter(
      (s) => touchedTables(s.text, growing).length > 0 && !/\bproject_id\b/.test(s.text),
    );
    const named = unfiltered.map((s) => `${s.file}:${s.owner}`);
    const unexplained = named.filter((name) => !(name in deliberatelyGlobal));
    expect(unexplained, 'a query of project data must filter or join on project_id').toEqual([]);
    // The list stays true: an entry whose statement is gone, or now names project_id, is removed.
    const stale = Object.keys(deliberatelyGlobal).filter((name) => !named.includes(name));
    expect(stale).toEqual([]);
  });

  it('notices a query that forgets project_id', () => {
    const source = `
      export async function listSomething(sql, runId) {
        return sql\`select * from run_parts p where p.run_id = \${runId}\`;
      }
      export async function listProperly(sql, projectId, runId) {
        return sql\`select * from run_parts where project_id = \${projectId} and run_id = \${runId}\`;
      }`;
    const statements = statementsOf('example.ts', source);
    const flagged = statements.filter(
      (s) => touchedTables(s.text, growing).length > 0 && !/\bproject_id\b/.test(s.text),
    );
    expect(flagged.map((s) => s.owner)).toEqual(['listSomething']);
  });
});

/**
 * Statements that touch growing tables without naming project_id, each on purpose. `file:function`
 * → why. Under Citus each is a multi-shard statement (run on every node, in parallel) or resolves
 * a project from an id first (docs/scaling.md, "entry points").
 */
const deliberatelyGlobal: Record<string, string> = {
  'db/queries/runs.ts:getRun':
    'entry point GET /runs/:runId (and its stream, run summaries): finds the run, and so its project, by its global id (runs_id_idx)',
  'db/queries/deliveries.ts:claimDelivery':
    "the outbox worker's claim: the next due deliveries of any project (then each by project_id and id)",
  'db/queries/deliveries.ts:readOutboxHealth': 'admin health: outbox depth over all projects',
  'db/queries/health.ts:readHealth': 'admin health: the number of runs over all projects',
  'db/queries/live.ts:countRunningLiveSessions':
    '/metrics: live sessions running over all projects (a gauge read at scrape time)',
  'db/queries/integrations.ts:countIntegrationsByKeyId':
    'start check of ENCRYPTION_KEY: integrations per key id over all projects',
  'db/queries/integrations.ts:countIntegrations':
    'start check of ENCRYPTION_KEY: any integration at all',
  'db/queries/flaky-tests.ts:listFlakyTests':
    'filtered by its `scope` fragment (s.project_id = …), composed in from a variable',
};

interface Statement {
  /** Path under src/. */
  file: string;
  /** The function (or variable) the statement is written in. */
  owner: string;
  /** The template's text, its substitutions as ${}, SQL comments removed. */
  text: string;
}

function sqlStatements(dir: string): Statement[] {
  const files = (function walk(d: string): string[] {
    return readdirSync(d, { withFileTypes: true }).flatMap((entry) => {
      const path = join(d, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
    });
  })(dir);
  return files.flatMap((path) => statementsOf(relative(dir, path), readFileSync(path, 'utf8')));
}

/** Every tagged template of the file (`sql\`…\``, `tx\`…\``, nested ones too). */
function statementsOf(file: string, source: string): Statement[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: Statement[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isTaggedTemplateExpression(node)) {
      const template = node.template;
      const text = ts.isNoSubstitutionTemplateLiteral(template)
        ? template.text
        : [template.head.text, ...template.templateSpans.map((s) => s.literal.text)].join('${}');
      found.push({ file, owner: ownerOf(node), text: text.replace(/--[^\n]*/g, '') });
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

function ownerOf(node: ts.Node): string {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name) {
      return n.name.getText();
    }
    if (ts.isVariableDeclaration(n) && ts.isSourceFile(n.parent.parent.parent)) {
      return n.name.getText();
    }
  }
  return '(module)';
}

/**
 * The growing tables a statement reads or changes (after `from`, `join`, `update`, `using`,
 * `merge into`). A plain `insert into` is left out: its rows carry their project_id (NOT NULL),
 * which routes them; an `insert … select` still counts for the tables it selects from.
 */
function touchedTables(text: string, growing: readonly string[]): string[] {
  const names = [
    ...text.matchAll(/\b(?:from|join|update|using|merge\s+into)\s+(?:only\s+)?"?(\w+)"?/gi),
  ].map((m) => (m[1] as string).toLowerCase());
  return growing.filter((table) => names.includes(table));
}
