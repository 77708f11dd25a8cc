import { readFileSync } from 'node:fs';
import type { Totals } from '../src/domain/report.ts';
import { reportPath, type ReportName } from './fixtures/reports.ts';

/** Shapes of API answers as tests read them (DESIGN.md §5), shared by the route tests. */
export type { Totals };

export interface RunDto {
  id: string;
  projectId: string;
  status: string;
  source: string;
  branch: string | null;
  commit: string | null;
  pipeline: string | null;
  job: string | null;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  parts: number;
  url: string;
  [key: string]: unknown;
}

export interface UploadAnswer {
  run: RunDto;
  flaky: { inRun: string[]; newlyDetected: string[]; activeCount: number };
  quarantine: { allFailuresQuarantined: boolean };
  url: string;
}

export interface RunDetail {
  run: RunDto;
  parts: { id: string; shard: string | null; durationMs: number; totals: Totals }[];
  results: { testId: string; outcome: string }[];
}

export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** A committed fixture report's bytes, as CI would upload the file. */
export const reportBytes = (name: ReportName) => readFileSync(reportPath(name));
