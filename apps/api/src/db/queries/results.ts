import { columnsOf, type TxSql } from '../client.ts';
import type { NormalizedResult } from '../../ingest/types.ts';

/** Inserts a part's results in one statement (one array per column, no per-row round trips). */
export async function insertResults(
  tx: TxSql,
  values: {
    projectId: string;
    runId: string;
    partId: string;
    createdAt: Date;
    results: readonly NormalizedResult[];
    testIds: Map<string, string>;
  },
): Promise<void> {
  if (values.results.length === 0) return;
  const rows = values.results.map((r) => {
    const details =
      r.attemptDetails || r.annotations.length > 0
        ? {
            attempts: r.attemptDetails ?? undefined,
            annotations: r.annotations.length ? r.annotations : undefined,
          }
        : null;
    return {
      t: values.testIds.get(r.identityHash),
      ri: r.repeatIndex,
      o: r.outcome,
      es: r.expectedStatus,
      a: r.attempts,
      fs: r.finalStatus,
      d: r.durationMs,
      fd: r.failedDurationMs,
      em: r.error?.message ?? null,
      // Failures are grouped by signature; an expected failure (test.fail()) is not one.
      sg: r.outcome === 'unexpected' || r.outcome === 'flaky' ? (r.error?.signature ?? null) : null,
      // Sent as text and cast there: a jsonb[] parameter would have each string JSON-encoded again.
      dt: details ? JSON.stringify(details) : null,
    };
  });
  const c = columnsOf(rows, [
    't',
    'ri',
    'o',
    'es',
    'a',
    'fs',
    'd',
    'fd',
    'em',
    'sg',
    'dt',
  ] as const);
  await tx`
    insert into test_results (
      project_id, run_id, part_id, test_id, repeat_index, created_at, outcome, expected_status,
      attempts, final_status, duration_ms, failed_duration_ms, error_message, error_signature, details)
    select ${values.projectId}, ${values.runId}, ${values.partId}, r.t, r.ri, ${values.createdAt},
      r.o::outcome, r.es, r.a, r.fs, r.d, r.fd, r.em, r.sg, r.dt
    from unnest(${c.t}::bigint[], ${c.ri}::smallint[], ${c.o}::text[], ${c.es}::text[], ${c.a}::smallint[],
      ${c.fs}::text[], ${c.d}::int[], ${c.fd}::int[], ${c.em}::text[], ${c.sg}::text[],
      ${c.dt}::text[]::jsonb[])
      as r(t, ri, o, es, a, fs, d, fd, em, sg, dt)`;
}
