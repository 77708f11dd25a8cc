import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface EmbeddedServer {
  /** Loopback port the PGlite socket server listens on. */
  port: number;
  /** Flushes PGlite to disk and ends the worker. */
  stop(): Promise<void>;
}

type WorkerMessage =
  { type: 'ready'; port: number } | { type: 'stopped' } | { type: 'error'; message: string };

/**
 * Starts embedded PostgreSQL (PGlite) on a worker thread. `dataDir` null keeps it in memory
 * (used by throwaway tests); otherwise it persists there and survives restarts.
 */
export async function startEmbeddedServer(dataDir: string | null): Promise<EmbeddedServer> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(new URL('./embedded-worker.mjs', import.meta.url), {
    workerData: { dataDir },
  });
  const next = () =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`embedded database worker exited with code ${code}`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.once('message', (message: WorkerMessage) => {
        worker.off('exit', onExit);
        worker.off('error', reject);
        resolve(message);
      });
    });

  const first = await next();
  if (first.type !== 'ready') {
    await worker.terminate();
    throw new Error(
      `embedded database failed to start: ${'message' in first ? first.message : ''}`,
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    port: first.port,
    stop() {
      stopping ??= (async () => {
        const done = next();
        worker.postMessage('stop');
        const answer = await done;
        await worker.terminate();
        if (answer.type === 'error') throw new Error(answer.message);
      })();
      return stopping;
    },
  };
}
