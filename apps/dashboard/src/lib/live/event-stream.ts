import type { StreamEvent } from '@flackyness/shared/api';

/**
 * One Server-Sent Events stream of the dashboard's proxy (/runs/:id/stream,
 * /projects/:project/stream), as typed events. The browser's EventSource reconnects by itself
 * after a dropped connection and sends Last-Event-ID; when it gives up (the proxy answered an
 * error, say the API was restarting) this opens a new one, with `?lastEventId=` since an
 * EventSource cannot set headers, after a growing pause. Repeats are the consumer's to drop: the
 * ids only ever grow.
 */

export type StreamConnection = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  url: string;
  kinds: readonly StreamEvent['kind'][];
  /** The last id the consumer applied, for a reconnect of our own. */
  lastId(): number;
  onEvent(event: StreamEvent): void;
  onConnection(state: StreamConnection): void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export function withLastEventId(url: string, lastId: number): string {
  if (lastId <= 0) return url;
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}lastEventId=${encodeURIComponent(String(lastId))}`;
}

export function openEventStream(options: EventStreamOptions): { close(): void } {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = FIRST_RETRY_MS;
  let closed = false;

  const listen = (kind: StreamEvent['kind']) => (message: MessageEvent<string>) => {
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    options.onEvent({ kind, id: message.lastEventId, data } as StreamEvent);
  };

  const connect = () => {
    timer = undefined;
    if (closed) return;
    const es = new EventSource(withLastEventId(options.url, options.lastId()));
    source = es;
    es.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS;
      options.onConnection('open');
    });
    for (const kind of options.kinds) es.addEventListener(kind, listen(kind));
    es.addEventListener('error', () => {
      if (closed) return;
      options.onConnection('reconnecting');
      if (es.readyState !== EventSource.CLOSED) return;
      // The browser gave up on this one: try again ourselves, from the last event applied.
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  };

  options.onConnection('connecting');
  connect();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
      options.onConnection('closed');
    },
  };
}
