import { ApiError, zodIssues } from '../errors.ts';
import type { IngestSource, Metrics } from '../http/metrics.ts';
import { InvalidReportError } from '../report/invalid-report-error.ts';
import type { IngestOutcome } from '../upload/ingest-report.ts';
import { ProjectGone } from '../upload/project-lock.ts';
import { RunMetadataConflict } from '../upload/run-metadata-merge.ts';
import { StartTimeOutOfRange } from '../upload/start-time.ts';
import { toRunDto } from './dto.ts';

export const notAReport = (issues: InvalidReportError['issues']) =>
  new ApiError(
    'invalid_report',
    'The body is not a Playwright JSON report as --reporter=json writes it (an object with "config" and "suites"), or it holds values that cannot be stored; details names each field',
    zodIssues(issues),
  );

/** The ingest errors that refuse the report (nothing was stored), as API errors. */
export function ingestRefusal(error: unknown): unknown {
  if (error instanceof InvalidReportError) return notAReport(error.issues);
  if (error instanceof StartTimeOutOfRange) {
    return new ApiError(
      'validation_failed',
      `The run's start time is out of range: ${error.message}`,
      [{ path: error.field, message: error.message }],
    );
  }
  if (error instanceof ProjectGone) return new ApiError('not_found', 'The project was deleted');
  if (error instanceof RunMetadataConflict) {
    return new ApiError('conflict', `A run has one branch and one commit: ${error.message}`, {
      run: error.run,
      part: error.part,
    });
  }
  return error;
}

/** The answer to a stored report: an upload's, or a live run's teardown (DESIGN.md §5). */
export function ingestAnswer(outcome: IngestOutcome, publicUrl: string) {
  const { run, flakiness } = outcome;
  const dto = toRunDto(run, publicUrl);
  return {
    run: dto,
    flaky: {
      inRun: flakiness.inRun,
      newlyDetected: outcome.newlyDetected,
      activeCount: flakiness.activeCount,
    },
    quarantine: { allFailuresQuarantined: flakiness.allFailuresQuarantined },
    url: dto.url,
  };
}

/** A stored report in the metrics (a repeat that changed nothing is not counted). */
export function recordIngest(
  metrics: Metrics,
  source: IngestSource,
  outcome: IngestOutcome,
  beganAt: number,
): void {
  metrics.uploads.inc({ source });
  metrics.results.inc({ source }, outcome.storedResults);
  metrics.ingestDuration.observe({ source }, (performance.now() - beganAt) / 1000);
}
