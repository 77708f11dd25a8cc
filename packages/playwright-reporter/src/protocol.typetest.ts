/**
 * Compile-time only (typecheck, never built or shipped): the reporter's plain wire types and the
 * input types of the server's zod schemas are assignable both ways, so neither side can add,
 * drop or retype a field without the other.
 */
import type { z } from 'zod';
import type {
  liveEventBatchSchema,
  liveEventSchema,
  liveSetupSchema,
  liveTeardownSchema,
  logEventSchema,
  notRunTestSchema,
  statusEventSchema,
  testBeginEventSchema,
  testEndEventSchema,
  LiveSetupAnswer as SharedSetupAnswer,
  MAX_EVENTS_PER_BATCH as SharedMaxEvents,
  MAX_LOG_CHUNK as SharedMaxLogChunk,
} from '@flackyness/shared/ingest';
import type {
  LiveEvent,
  LiveEventBatch,
  LiveSetup,
  LiveSetupAnswer,
  LiveTeardown,
  LogEvent,
  MAX_EVENTS_PER_BATCH,
  MAX_LOG_CHUNK,
  NotRunTest,
  StatusEvent,
  TestBeginEvent,
  TestEndEvent,
} from './protocol.ts';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertEqual<T extends true>(): T | undefined {
  return undefined;
}

assertEqual<Equal<LiveSetup, z.input<typeof liveSetupSchema>>>();
assertEqual<Equal<TestBeginEvent, z.input<typeof testBeginEventSchema>>>();
assertEqual<Equal<TestEndEvent, z.input<typeof testEndEventSchema>>>();
assertEqual<Equal<LogEvent, z.input<typeof logEventSchema>>>();
assertEqual<Equal<StatusEvent, z.input<typeof statusEventSchema>>>();
assertEqual<Equal<LiveEvent, z.input<typeof liveEventSchema>>>();
assertEqual<Equal<LiveEventBatch, z.input<typeof liveEventBatchSchema>>>();
assertEqual<Equal<NotRunTest, z.input<typeof notRunTestSchema>>>();
assertEqual<Equal<LiveTeardown, z.input<typeof liveTeardownSchema>>>();
assertEqual<Equal<LiveSetupAnswer, SharedSetupAnswer>>();
assertEqual<Equal<typeof MAX_LOG_CHUNK, typeof SharedMaxLogChunk>>();
assertEqual<Equal<typeof MAX_EVENTS_PER_BATCH, typeof SharedMaxEvents>>();
