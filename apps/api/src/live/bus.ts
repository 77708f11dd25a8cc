import { EventEmitter } from 'node:events';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';

/**
 * What changed, by ids only (a NOTIFY payload stops at 8,000 bytes): the run's stream reached
 * event `eventSeq`, or the project's stream reached change `changeSeq`. One per committed batch,
 * setup, teardown or upload, never per result; readers fetch what they have not seen.
 */
export interface LiveNote {
  projectId: string;
  runId: string;
  eventSeq?: string;
  changeSeq?: string;
}

/** Carries notes to every API process: PostgreSQL LISTEN/NOTIFY, or in process when embedded. */
export interface LiveBus {
  publish(note: LiveNote): Promise<void>;
  subscribe(listener: (note: LiveNote) => void): () => void;
  /** Called when the bus listens again after losing its connection: notes may have been lost. */
  onResume(listener: () => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'flackyness_live';

/** One process (the embedded database has no other). */
export function createLocalBus(): LiveBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: async (note) => {
      emitter.emit('note', note);
    },
    subscribe: (listener) => {
      emitter.on('note', listener);
      return () => emitter.off('note', listener);
    },
    onResume: () => () => {},
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

/**
 * Several processes on one PostgreSQL. Notes are published after their change committed; a note
 * lost on the way (a process that died in between) only delays a reader until the next one, since
 * readers fetch everything after what they have seen.
 */
export function createPostgresBus(sql: Sql, listenSql: Sql, logger: Logger): LiveBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // postgres.js keeps the LISTEN connection open and, when it is lost (a database restart),
  // reconnects with backoff until the server is back and listens again (checked by
  // test/database-restart.db.test.ts). Each LISTEN calls `onlisten`; after the first, it is a resume.
  let listenedBefore = false;
  const listening = listenSql
    .listen(
      CHANNEL,
      (payload) => {
        const note = parseNote(payload);
        if (note) emitter.emit('note', note);
      },
      () => {
        if (listenedBefore) {
          logger.info('LISTEN connection back: streams catch up');
          emitter.emit('resume');
        }
        listenedBefore = true;
      },
    )
    .catch((error: unknown) => {
      logger.error({ err: error }, 'LISTEN failed: live streams only see this process');
    });
  return {
    publish: async (note) => {
      try {
        await sql.notify(CHANNEL, JSON.stringify(note));
      } catch (error) {
        logger.warn({ err: error }, 'NOTIFY failed; streams catch up with the next change');
      }
    },
    subscribe: (listener) => {
      emitter.on('note', listener);
      return () => emitter.off('note', listener);
    },
    onResume: (listener) => {
      emitter.on('resume', listener);
      return () => emitter.off('resume', listener);
    },
    close: async () => {
      emitter.removeAllListeners();
      await listening;
      await listenSql.end({ timeout: 5 });
    },
  };
}

const DIGITS = /^\d{1,19}$/;

function parseNote(payload: string): LiveNote | null {
  try {
    const value = JSON.parse(payload) as Partial<Record<keyof LiveNote, unknown>>;
    const ok = (v: unknown) => v === undefined || (typeof v === 'string' && DIGITS.test(v));
    if (typeof value.projectId !== 'string' || !DIGITS.test(value.projectId)) return null;
    if (typeof value.runId !== 'string' || !DIGITS.test(value.runId)) return null;
    if (!ok(value.eventSeq) || !ok(value.changeSeq)) return null;
    return value as LiveNote;
  } catch {
    return null;
  }
}
