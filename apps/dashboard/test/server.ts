import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../api/test/server-process.ts';

/** The real server in a process of its own: shared with the API's process-level tests. */
export { freePort, startServer, type RunningServer } from '../../api/test/server-process.ts';

const dashboardEntry = fileURLToPath(new URL('../build/index.js', import.meta.url));

export interface DashboardService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The dashboard as a service of its own (the docker-compose shape), reaching the API through
 * API_URL; on `port` when given, so a test can stop it and start it again at the same address.
 */
export async function startDashboard(apiUrl: string, port?: number): Promise<DashboardService> {
  const listenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenPort}`;
  // ORIGIN as adapter-node wants it behind no proxy: its own address, so form posts pass.
  const child: ChildProcess = spawn(process.execPath, [dashboardEntry], {
    env: {
      ...process.env,
      PORT: String(listenPort),
      HOST: '127.0.0.1',
      API_URL: apiUrl,
      ORIGIN: url,
    },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/login`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    port: listenPort,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
