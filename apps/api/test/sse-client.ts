/** A Server-Sent Events reader for tests: parses messages as EventSource does. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private done = false;
  private pumping: Promise<void>;

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    this.reader = response.body.getReader();
    this.pumping = this.pump();
  }

  /** The id of the last message that had one (what EventSource sends as Last-Event-ID). */
  get lastEventId(): string | null {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const id = this.messages[i]?.id;
      if (id !== null && id !== undefined) return id;
    }
    return null;
  }

  get ended(): boolean {
    return this.done;
  }

  /** Messages of one kind, their data parsed. */
  of<T>(event: string): T[] {
    return this.messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data) as T);
  }

  /** Waits until `predicate` holds (or fails after `timeoutMs`). */
  async until(predicate: (reader: SseReader) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `SSE: condition not met in ${timeoutMs} ms; got ${this.messages.map((m) => `${m.id}:${m.event}`).join(' ')}`,
        );
      }
      if (this.done) throw new Error('SSE: stream ended before the condition was met');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Disconnects, as a closed tab does. */
  async close(): Promise<void> {
    await this.reader.cancel().catch(() => {});
    await this.pumping.catch(() => {});
  }

  private async pump(): Promise<void> {
    for (;;) {
      const { value, done } = await this.reader.read();
      if (done) break;
      this.buffer += this.decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) !== -1) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        this.parse(block);
      }
    }
    this.done = true;
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else continue;
      fields++;
    }
    if (fields > 0 && data.length > 0) this.messages.push({ id, event, data: data.join('\n') });
  }
}
