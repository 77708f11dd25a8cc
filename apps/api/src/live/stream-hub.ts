import type { Sql } from '../db/client.ts';
import {
  changedRunIds,
  projectStreamPosition,
  readRunEvents,
  runStreamPosition,
} from '../db/queries/live.ts';
import { getRun, type RunRow } from '../db/queries/runs.ts';
import type { Logger } from '../logger.ts';
import type { LiveBus, LiveNote } from './bus.ts';
import { sseMessage, streamMessage } from './stream-events.ts';

/** Events read per query, for a broadcast or a client catching up. */
const PAGE = 1000;
/** A client this far behind (bytes queued) is dropped; its EventSource reconnects and resumes. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(': hb\n\n');
/** The last words of a stream the server ends (it is stopping): reconnect soon, to another
 *  instance behind the load balancer, and resume from Last-Event-ID. */
const GOING_AWAY = encoder.encode(': server stopping\nretry: 500\n\n');

export interface StreamHubOptions {
  sql: Sql;
  bus: LiveBus;
  /** The run as the API shows it (routes/dto.ts), for `run-updated`. */
  runDto: (run: RunRow) => unknown;
  logger: Logger;
  /** A comment every so often keeps proxies from closing an idle stream (15 s). */
  heartbeatMs?: number;
}

type TopicKind = 'run' | 'project';

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The last id this client was sent. */
  last: bigint;
  /** Reading the database for itself (joining, or fallen out of step with the broadcasts). */
  catchingUp: boolean;
  /** Asked to catch up again once the current catch-up ends. */
  again: boolean;
  closed: boolean;
}

interface Topic {
  kind: TopicKind;
  projectId: string;
  /** The run, for a run topic. */
  runId: string;
  clients: Set<Client>;
  /** The last id broadcast; null until the topic's position was read. */
  last: bigint | null;
  fetching: boolean;
  dirty: boolean;
}

/**
 * Server-Sent Events for live runs (DESIGN.md §6). A topic is a run's stream (its stored events) or
 * a project's (its runs' changes). A note from the bus makes the topic read what it has not
 * broadcast yet, once for all its clients, format it once, and hand the same bytes to each client
 * (coalesced: notes that arrive during a read cause one more read, not one each). A client that
 * joins, resumes with Last-Event-ID, or falls out of step reads the database for itself until it is
 * level, then takes the broadcasts again; ids only grow and each client remembers its last, so
 * nothing is sent twice or skipped.
 */
export class StreamHub {
  private readonly topics = new Map<string, Topic>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeResume: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: StreamHubOptions) {
    this.unsubscribe = options.bus.subscribe((note) => this.onNote(note));
    // Notes sent while the bus was not listening (a database restart) are lost: every topic
    // reads what it missed.
    this.unsubscribeResume = options.bus.onResume(() => this.resync());
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Clients connected to this process, for metrics and tests. */
  get clientCount(): number {
    let count = 0;
    for (const topic of this.topics.values()) count += topic.clients.size;
    return count;
  }

  /** A run's stream from after `lastId` (0: from its first event). */
  openRunStream(projectId: string, runId: string, lastId: bigint): ReadableStream<Uint8Array> {
    return this.open({ kind: 'run', projectId, runId }, lastId);
  }

  /** A project's run changes from after `lastId`; null: from now on. */
  openProjectStream(projectId: string, lastId: bigint | null): ReadableStream<Uint8Array> {
    return this.open({ kind: 'project', projectId, runId: '' }, lastId);
  }

  /** Ends every stream (the server is stopping): clients reconnect elsewhere, and resume. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.unsubscribeResume();
    for (const topic of this.topics.values()) {
      for (const client of topic.clients) {
        this.send(topic, client, GOING_AWAY);
        this.drop(topic, client, true);
      }
    }
    this.topics.clear();
  }

  private resync(): void {
    for (const topic of this.topics.values()) {
      if (topic.clients.size > 0) void this.broadcast(topic);
    }
  }

  private open(
    key: Pick<Topic, 'kind' | 'projectId' | 'runId'>,
    lastId: bigint | null,
  ): ReadableStream<Uint8Array> {
    let client: Client | undefined;
    let topic: Topic | undefined;
    if (this.closed) {
      // Opened while the server stops: sent elsewhere at once.
      return new ReadableStream<Uint8Array>({
        start: (controller) => {
          controller.enqueue(GOING_AWAY);
          controller.close();
        },
      });
    }
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          topic = this.topic(key);
          client = { controller, last: 0n, catchingUp: true, again: false, closed: false };
          topic.clients.add(client);
          // Reconnect after 2 s when the connection drops.
          controller.enqueue(encoder.encode('retry: 2000\n\n'));
          void this.join(topic, client, lastId);
        },
        cancel: () => {
          if (topic && client) this.drop(topic, client, false);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
  }

  private topic(key: Pick<Topic, 'kind' | 'projectId' | 'runId'>): Topic {
    const name = `${key.kind}:${key.projectId}:${key.runId}`;
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { ...key, clients: new Set(), last: null, fetching: false, dirty: false };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private async join(topic: Topic, client: Client, lastId: bigint | null): Promise<void> {
    try {
      if (lastId === null) {
        // A project stream without Last-Event-ID starts now.
        client.last = await projectStreamPosition(this.options.sql, topic.projectId);
      } else {
        client.last = lastId;
      }
      topic.last ??= await this.position(topic);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'stream could not start');
      this.drop(topic, client, true);
      return;
    }
    await this.catchUp(topic, client, true);
  }

  private async position(topic: Topic): Promise<bigint> {
    if (topic.kind === 'project') return projectStreamPosition(this.options.sql, topic.projectId);
    return (await runStreamPosition(this.options.sql, topic.runId))?.eventSeq ?? 0n;
  }

  /** Reads and sends what the client has not seen, until it is level with the database. */
  private async catchUp(topic: Topic, client: Client, snapshot: boolean): Promise<void> {
    client.catchingUp = true;
    try {
      let sendSnapshot = snapshot;
      for (;;) {
        client.again = false;
        const chunk = await this.read(topic, client.last);
        if (client.closed) return;
        if (chunk) {
          this.send(topic, client, chunk.bytes);
          client.last = chunk.to;
          sendSnapshot = false;
          if (chunk.full) continue;
        }
        if (client.again) continue;
        break;
      }
      // A run's state, once, when joining without new events (chunks end with it otherwise).
      if (sendSnapshot && topic.kind === 'run') {
        const bytes = await this.runSnapshot(topic, client.last);
        if (bytes && !client.closed) this.send(topic, client, bytes);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'stream catch-up failed; the client reconnects');
      this.drop(topic, client, true);
    } finally {
      client.catchingUp = false;
    }
    // Broadcasts that went past it meanwhile.
    if (!client.closed && topic.last !== null && topic.last > client.last) {
      await this.catchUp(topic, client, false);
    }
  }

  private onNote(note: LiveNote): void {
    const name =
      note.eventSeq !== undefined
        ? `run:${note.projectId}:${note.runId}`
        : `project:${note.projectId}:`;
    const topics = [this.topics.get(name)];
    // A note may carry both positions.
    if (note.eventSeq !== undefined && note.changeSeq !== undefined) {
      topics.push(this.topics.get(`project:${note.projectId}:`));
    }
    for (const topic of topics) if (topic && topic.clients.size > 0) void this.broadcast(topic);
  }

  /** Reads what the topic has not broadcast and sends it to every client that is level. */
  private async broadcast(topic: Topic): Promise<void> {
    if (topic.fetching) {
      topic.dirty = true;
      return;
    }
    topic.fetching = true;
    try {
      do {
        topic.dirty = false;
        if (topic.last === null) topic.last = await this.position(topic);
        for (;;) {
          const from = topic.last;
          const chunk = await this.read(topic, from);
          if (!chunk) break;
          for (const client of topic.clients) {
            if (client.catchingUp) {
              client.again = true;
            } else if (client.last === from) {
              this.send(topic, client, chunk.bytes);
              client.last = chunk.to;
            } else if (client.last < chunk.to) {
              void this.catchUp(topic, client, false);
            }
          }
          topic.last = chunk.to;
          if (!chunk.full) break;
        }
      } while (topic.dirty && topic.clients.size > 0);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'stream broadcast failed; the next change retries');
    } finally {
      topic.fetching = false;
    }
    if (topic.clients.size === 0) this.forget(topic);
  }

  /** The messages after `after`, formatted once; null when there are none. */
  private async read(
    topic: Topic,
    after: bigint,
  ): Promise<{ bytes: Uint8Array; to: bigint; full: boolean } | null> {
    const { sql, runDto } = this.options;
    if (topic.kind === 'run') {
      const rows = await readRunEvents(sql, topic.projectId, topic.runId, after, PAGE);
      if (rows.length === 0) return null;
      const to = BigInt((rows.at(-1) as { seq: string }).seq);
      let text = '';
      for (const row of rows) text += streamMessage(row.seq, row.kind, row.payload) ?? '';
      const snapshot = await this.runSnapshotText(topic, to);
      return { bytes: encoder.encode(text + snapshot), to, full: rows.length === PAGE };
    }
    const changed = await changedRunIds(sql, topic.projectId, after, PAGE);
    if (changed.length === 0) return null;
    let text = '';
    for (const { id, changeSeq } of changed) {
      const run = await getRun(sql, id, topic.projectId);
      if (run && run.projectId === topic.projectId) {
        text += sseMessage(changeSeq, 'run-updated', { run: runDto(run) });
      }
    }
    const to = BigInt((changed.at(-1) as { changeSeq: string }).changeSeq);
    return { bytes: encoder.encode(text), to, full: changed.length === PAGE };
  }

  private async runSnapshotText(topic: Topic, id: bigint): Promise<string> {
    const run = await getRun(this.options.sql, topic.runId, topic.projectId);
    if (!run || run.projectId !== topic.projectId) return '';
    return sseMessage(String(id), 'run-updated', { run: this.options.runDto(run) });
  }

  private async runSnapshot(topic: Topic, id: bigint): Promise<Uint8Array | null> {
    const text = await this.runSnapshotText(topic, id);
    return text === '' ? null : encoder.encode(text);
  }

  private send(topic: Topic, client: Client, bytes: Uint8Array): void {
    if (client.closed) return;
    const queued = -(client.controller.desiredSize ?? 0);
    if (queued > MAX_QUEUED_BYTES) {
      this.drop(topic, client, true);
      return;
    }
    try {
      client.controller.enqueue(bytes);
    } catch {
      this.drop(topic, client, false);
    }
  }

  private beat(): void {
    for (const topic of this.topics.values()) {
      for (const client of topic.clients)
        if (!client.catchingUp) this.send(topic, client, HEARTBEAT);
    }
  }

  private drop(topic: Topic, client: Client, end: boolean): void {
    if (client.closed) return;
    client.closed = true;
    topic.clients.delete(client);
    if (end) {
      try {
        client.controller.close();
      } catch {
        // Already closed by the consumer.
      }
    }
    if (topic.clients.size === 0 && !topic.fetching) this.forget(topic);
  }

  private forget(topic: Topic): void {
    const name = `${topic.kind}:${topic.projectId}:${topic.runId}`;
    if (this.topics.get(name) === topic && topic.clients.size === 0) this.topics.delete(name);
  }
}
