import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openEventStream, withLastEventId, type StreamConnection } from './event-stream';

/** Just enough of EventSource to script what the browser's does. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  closed = false;
  private listeners = new Map<string, ((event: Event) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(kind: string, listener: (event: Event) => void) {
    this.listeners.set(kind, [...(this.listeners.get(kind) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(kind: string, init?: { data: string; lastEventId: string }) {
    if (kind === 'open') this.readyState = FakeEventSource.OPEN;
    const event = init ? new MessageEvent(kind, init) : new Event(kind);
    for (const listener of this.listeners.get(kind) ?? []) listener(event);
  }
}

describe('openEventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.opened = [];
    vi.stubGlobal('EventSource', FakeEventSource);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('answers typed events, skips bad JSON, and reconnects itself from the last id when the browser gives up', () => {
    const events: unknown[] = [];
    const states: StreamConnection[] = [];
    let lastId = 0;
    const stream = openEventStream({
      url: '/runs/7/stream',
      kinds: ['test-begin', 'log'],
      lastId: () => lastId,
      onEvent: (event) => {
        events.push(event);
        lastId = Number(event.id);
      },
      onConnection: (state) => states.push(state),
    });
    const first = FakeEventSource.opened[0]!;
    expect(first.url).toBe('/runs/7/stream');
    first.emit('open');
    first.emit('log', { data: '{"chunk":"hi"}', lastEventId: '41' });
    first.emit('log', { data: 'not json', lastEventId: '42' });
    expect(events).toEqual([{ kind: 'log', id: '41', data: { chunk: 'hi' } }]);

    // The browser retries on its own while CONNECTING: nothing to do.
    first.readyState = FakeEventSource.CONNECTING;
    first.emit('error');
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.opened).toHaveLength(1);

    // An error answer closes it for good: a new one, after a pause, from the last id applied.
    first.readyState = FakeEventSource.CLOSED;
    first.emit('error');
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.opened[1]?.url).toBe('/runs/7/stream?lastEventId=41');
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'reconnecting']);

    stream.close();
    expect(FakeEventSource.opened[1]?.closed).toBe(true);
    expect(states.at(-1)).toBe('closed');
  });

  it('waits longer after each failure, up to 30 s', () => {
    openEventStream({
      url: '/s',
      kinds: [],
      lastId: () => 0,
      onEvent: () => {},
      onConnection: () => {},
    });
    const pauses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const source = FakeEventSource.opened.at(-1)!;
      source.readyState = FakeEventSource.CLOSED;
      source.emit('error');
      const before = FakeEventSource.opened.length;
      let waited = 0;
      while (FakeEventSource.opened.length === before) {
        vi.advanceTimersByTime(500);
        waited += 500;
      }
      pauses.push(waited);
    }
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('adds the last id to a URL', () => {
    expect(withLastEventId('/s', 0)).toBe('/s');
    expect(withLastEventId('/s', 12)).toBe('/s?lastEventId=12');
    expect(withLastEventId('/s?a=1', 12)).toBe('/s?a=1&lastEventId=12');
  });
});
