/**
 * Runs `pass` at once and then every `everyMs`, one pass at a time: a slow pass is not overlapped
 * by the next tick, and a failed one is handed to `onError` (the next tick tries again). The timer
 * does not keep the process alive. Returns a function that stops it.
 */
export function startPeriodic(
  pass: () => Promise<void>,
  everyMs: number,
  onError: (error: unknown) => void,
): () => void {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= pass()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
