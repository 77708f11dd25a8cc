import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The real server, started the way the README starts it (apps/api/src/server.ts through tsx, the
 * dashboard's build mounted on the same port), on a database of the test's choosing.
 */

const apiDir = fileURLToPath(new URL('../../api', import.meta.url));
const dashboardEntry = fileURLToPath(new URL('../build/index.js', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

export interface RunningServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startServer(options: {
  env: Record<string, string>;
  args?: string[];
  /** Wait for this path to answer 200 (default /ready). */
  readyPath?: string;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [tsxCli, 'src/server.ts', ...(options.args ?? [])],
    {
      cwd: apiDir,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: url,
        LOG_LEVEL: 'warn',
        LOG_REQUESTS: 'false',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const response = await fetch(`${url}${options.readyPath ?? '/ready'}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

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
