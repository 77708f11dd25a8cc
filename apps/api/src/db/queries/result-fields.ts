import type { Sql } from '../client.ts';

/** What a stored result says, as both a run's results and a test's history return it. */
export interface StoredResultFields {
  repeatIndex: number;
  outcome: string;
  expectedStatus: string;
  attempts: number;
  finalStatus: string | null;
  durationMs: number;
  failedDurationMs: number;
  errorMessage: string | null;
  errorSignature: string | null;
  details: unknown;
  createdAt: Date;
}

/** The select list of StoredResultFields, from test_results aliased `tr`. */
export const resultFields = (sql: Sql) => sql`
  tr.repeat_index as "repeatIndex", tr.outcome, tr.expected_status as "expectedStatus", tr.attempts,
  tr.final_status as "finalStatus", tr.duration_ms as "durationMs",
  tr.failed_duration_ms as "failedDurationMs", tr.error_message as "errorMessage",
  tr.error_signature as "errorSignature", tr.details, tr.created_at as "createdAt"`;
