import type { TxSql } from '../client.ts';
import { numberArray, textArray } from '../array-literal.ts';
import type { NormalizedResult } from '../../domain/report.ts';

/** Inserts a part's results in one statement (one array per column, no per-row round trips). */
export async function insertResults(
  tx: TxSql,
  values: {
    projectId: string;
    runId: string;
    partId: string;
    createdAt: Date;
    results: readonly NormalizedResult[];
    /** The test id of each result, index-aligned. */
    testIds: readonly string[];
  },
): Promise<void> {
  const { results } = values;
  if (results.length === 0) return;
  const n = results.length;
  const { testIds } = values;
  const repeatIndex = new Array<number>(n);
  const outcome = new Array<string>(n);
  const expectedStatus = new Array<string>(n);
  const attempts = new Array<number>(n);
  const finalStatus = new Array<string | null>(n);
  const duration = new Array<number>(n);
  const failedDuration = new Array<number>(n);
  const errorMessage = new Array<string | null>(n);
  const signature = new Array<string | null>(n);
  const details = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const r = results[i] as NormalizedResult;
    repeatIndex[i] = r.repeatIndex;
    outcome[i] = r.outcome;
    expectedStatus[i] = r.expectedStatus;
    attempts[i] = r.attempts;
    finalStatus[i] = r.finalStatus;
    duration[i] = r.durationMs;
    failedDuration[i] = r.failedDurationMs;
    errorMessage[i] = r.error?.message ?? null;
    // Failures are grouped by signature; an expected failure (test.fail()) is not one.
    signature[i] =
      r.outcome === 'unexpected' || r.outcome === 'flaky' ? (r.error?.signature ?? null) : null;
    // Sent as text and cast there: a jsonb[] parameter would have each string JSON-encoded again.
    details[i] =
      r.attemptDetails || r.annotations.length > 0
        ? JSON.stringify({
            attempts: r.attemptDetails ?? undefined,
            annotations: r.annotations.length ? r.annotations : undefined,
          })
        : null;
  }
  await tx`
    insert into test_results (
      project_id, run_id, part_id, test_id, repeat_index, created_at, outcome, expected_status,
      attempts, final_status, duration_ms, failed_duration_ms, error_message, error_signature, details)
    select ${values.projectId}, ${values.runId}, ${values.partId}, r.t, r.ri, ${values.createdAt},
      r.o::outcome, r.es, r.a, r.fs, r.d, r.fd, r.em, r.sg, r.dt
    from unnest(${numberArray(testIds)}::bigint[], ${numberArray(repeatIndex)}::smallint[],
      ${textArray(outcome)}::text[], ${textArray(expectedStatus)}::text[],
      ${numberArray(attempts)}::smallint[], ${textArray(finalStatus)}::text[], ${numberArray(duration)}::int[], ${numberArray(failedDuration)}::int[],
      ${textArray(errorMessage)}::text[], ${textArray(signature)}::text[],
      ${textArray(details)}::text[]::jsonb[])
      as r(t, ri, o, es, a, fs, d, fd, em, sg, dt)`;
}
