import type {
  LogEvent,
  StatusEvent,
  TestBeginEvent,
  TestEndEvent,
} from '@flackyness/shared/ingest';
import type { StreamLog, StreamTestBegin, StreamTestEnd } from '@flackyness/shared/api';
import { stripAnsi } from '../report/ansi.ts';
import { cap } from '../domain/safe-text.ts';
import { MAX_ERROR_MESSAGE_LENGTH } from '../report/report-walker.ts';

/** One Server-Sent Events message; `data` is one line of JSON (JSON escapes line breaks). */
export function sseMessage(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A stored event as its stream message, or null for a marker that only wakes readers (a run's
 * state changed: its `run-updated` is sent after each burst of events).
 */
export function streamMessage(seq: string, kind: string, payload: unknown): string | null {
  switch (kind) {
    case 'test-begin':
      return sseMessage(seq, 'test-begin', toTestBegin(payload as TestBeginEvent));
    case 'test-end':
      return sseMessage(seq, 'test-end', toTestEnd(payload as TestEndEvent));
    case 'log': {
      const log = payload as LogEvent;
      const data: StreamLog = {
        testId: log.testId ?? null,
        retry: log.retry ?? null,
        stream: log.stream,
        chunk: log.chunk,
      };
      return sseMessage(seq, 'log', data);
    }
    case 'status': {
      // A run-level error (a failing globalSetup) is shown in the live log.
      const { error } = payload as StatusEvent;
      const data: StreamLog = {
        testId: null,
        retry: null,
        stream: 'stderr',
        chunk: `${error.message ?? error.value ?? error.stack ?? 'Error'}\n`,
      };
      return sseMessage(seq, 'log', data);
    }
    default:
      return null;
  }
}

function toTestBegin(event: TestBeginEvent): StreamTestBegin {
  return {
    testId: event.testId,
    retry: event.retry,
    title: event.title,
    titlePath: event.titlePath,
    file: event.file,
    line: event.line ?? null,
    projectName: event.projectName,
    startTime: event.startTime ?? null,
  };
}

function toTestEnd(event: TestEndEvent): StreamTestEnd {
  const message = event.error?.message ?? event.error?.value;
  return {
    ...toTestBegin({ ...event, type: 'test-begin' }),
    status: event.status,
    durationMs: Math.round(event.duration),
    outcome: event.outcome,
    expectedStatus: event.expectedStatus,
    willRetry: event.willRetry,
    error: message === undefined ? null : cap(stripAnsi(message), MAX_ERROR_MESSAGE_LENGTH),
  };
}
