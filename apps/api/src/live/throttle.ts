/**
 * At most one call per key per `intervalMs`: a call inside the interval is put off to its end
 * (leading and trailing, like a UI throttle), and calls put off together run once. For the
 * announcements of a run's progress to its project's stream: viewers need the latest numbers,
 * not every step.
 */
export class KeyedThrottle {
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `call` now, or once at the end of the key's interval. */
  async run(key: string, call: () => Promise<void>): Promise<void> {
    if (this.pending.has(key)) return;
    const wait = (this.last.get(key) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.last.set(key, this.now());
      await call();
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.last.set(key, this.now());
      call().catch(this.onError);
    }, wait);
    timer.unref();
    this.pending.set(key, timer);
    // Forget keys idle for a while, so finished runs do not accumulate.
    if (this.last.size > 10_000) this.prune();
  }

  close(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private prune(): void {
    const cutoff = this.now() - this.intervalMs;
    for (const [key, at] of this.last)
      if (at < cutoff && !this.pending.has(key)) this.last.delete(key);
  }
}
