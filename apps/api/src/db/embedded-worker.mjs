// Runs PGlite on its own thread and serves it over the PostgreSQL wire protocol on loopback.
// PGlite executes every query on the thread that calls it; here that thread is not the HTTP event
// loop, so a long upload never stalls /health. Plain JS so Node loads it without a TS loader.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** @type {{ dataDir: string | null }} */
const { dataDir } = workerData;

if (!parentPort) throw new Error('embedded-worker must run as a worker thread');
const port = parentPort;

try {
  const db = await PGlite.create(dataDir ?? undefined);
  // Two connections: the app's, and a short-lived one for migrations. Queries are still run one at
  // a time by the server's queue, which keeps a transaction's statements together.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const [, listenPort] = server.getServerConn().split(':');

  port.on('message', async (message) => {
    if (message !== 'stop') return;
    try {
      await server.stop();
      await db.close();
      port.postMessage({ type: 'stopped' });
    } catch (error) {
      port.postMessage({ type: 'error', message: String(error) });
    }
  });
  port.postMessage({ type: 'ready', port: Number(listenPort) });
} catch (error) {
  port.postMessage({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}
