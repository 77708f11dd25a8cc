/**
 * The raw-COPY baseline of bench:ingest: the rows an upload wrote, read back, and COPYed into a
 * scratch database with the same schema, timed, in one transaction, committed. Rows are taken out
 * again (untimed, then a VACUUM, so that no dead copy of them is left in a table or index) to
 * measure another set, or emptied altogether.
 *
 * PGlite's socket does not serve COPY FROM STDIN, so on the embedded database each table's rows
 * are inserted with one INSERT … SELECT FROM json_populate_recordset instead.
 */
import type postgres from 'postgres';
import type { Database, Sql } from '../src/db/client.ts';
import { openBenchDatabase } from './bench-env.ts';

/** Rows of one table, selected by a WHERE clause: COPY text (PostgreSQL) or a JSON array (PGlite). */
export interface TableRows {
  table: string;
  where: string;
  text: Buffer;
}

/** Before each timed step, a full GC (with --expose-gc): no step pays for the previous one's garbage. */
export function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const tables = [
  'projects',
  'tests',
  'runs',
  'run_parts',
  'test_results',
  'test_daily_stats',
  'project_daily_stats',
  'test_commit_stats',
  'test_stats',
  'project_windows',
];

/** A scratch database the baseline writes to, with a connection of its own (TCP_NODELAY: without
 *  it each COPY waits on a delayed ACK). */
export class CopyTarget {
  private constructor(
    private readonly sql: Sql,
    private readonly useCopy: boolean,
    private readonly release: () => Promise<void>,
  ) {}

  /** A scratch database with the same schema, dropped on close. */
  static async scratch(mode: 'postgres' | 'embedded', name: string): Promise<CopyTarget> {
    const { database, dispose } = await openBenchDatabase(mode, name);
    const sql = database.connect({ noDelay: true });
    return new CopyTarget(sql, mode === 'postgres', async () => {
      await sql.end();
      await dispose();
    });
  }

  /**
   * Reads the rows of `table` matching `where` from `database`, in the form this target takes
   * them (COPY text, or JSON on the embedded database). A client of its own each time
   * (untimed): postgres.js stalls on the next query after some COPY … TO STDOUT streams on a
   * reused connection.
   */
  async read(database: Database, table: string, where: string): Promise<TableRows> {
    const sql = database.connect({ max: 1 });
    try {
      if (!this.useCopy) {
        const [row] = await sql.unsafe(
          `select coalesce(json_agg(t), '[]')::text as rows from ${table} t where ${where}`,
        );
        return { table, where, text: Buffer.from((row as unknown as { rows: string }).rows) };
      }
      const stream = await sql
        .unsafe(`copy (select * from ${table} where ${where}) to stdout`)
        .readable();
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return { table, where, text: Buffer.concat(chunks) };
    } finally {
      await sql.end();
    }
  }

  /** Writes the rows in one transaction, committed; returns the time from start to commit. */
  async copy(rows: readonly TableRows[]): Promise<number> {
    settle();
    const began = performance.now();
    await this.sql.begin(async (tx) => {
      for (const r of rows) await this.copyIn(tx, r);
    });
    return performance.now() - began;
  }

  /** Deletes these rows (untimed) and vacuums their tables, as if they had never been written. */
  async remove(rows: readonly TableRows[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const r of [...rows].reverse())
        await tx.unsafe(`delete from ${r.table} where ${r.where}`);
    });
    await this.sql.unsafe(`vacuum ${[...new Set(rows.map((r) => r.table))].join(', ')}`);
  }

  /** Empties every table, then writes `setup` (untimed). */
  async reset(setup: readonly TableRows[]): Promise<void> {
    await this.sql.unsafe(`truncate ${tables.join(', ')} cascade`);
    await this.sql.begin(async (tx) => {
      for (const r of setup) await this.copyIn(tx, r);
    });
  }

  close(): Promise<void> {
    return this.release();
  }

  private async copyIn(sql: Sql | postgres.TransactionSql, rows: TableRows): Promise<void> {
    if (!this.useCopy) {
      await sql.unsafe(
        `insert into ${rows.table} overriding system value select * from json_populate_recordset(null::${rows.table}, $1::text::json)`,
        [rows.text.toString()],
      );
      return;
    }
    if (rows.text.length === 0) return;
    const stream = await sql.unsafe(`copy ${rows.table} from stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', () => resolve());
      stream.end(rows.text);
    });
  }
}
