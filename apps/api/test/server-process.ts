import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The real server in a process of its own, started the way the README starts it
 * (apps/api/src/server.ts through tsx; the dashboard's build mounted on the same port when it is
 * built), on a database of the test's choosing. Used by the API's process-level tests (several
 * processes on one database, a server killed and restarted) and the dashboard's browser tests.
 */

const apiDir = fileURLToPath(new URL('..', import.meta.url));
// tsx as a loader of the server's own process (not its CLI, which runs the server in a child): a
// SIGKILL must reach the server itself, as a crash would.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  output(): string;
  /** How the process ended: its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL), as a crash or an OOM kill does. */
  kill(): Promise<void>;
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
  /** The port to listen on (a restart keeps its address); a free one by default. */
  port?: number;
  /** Node.js options for the server's process (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', tsxLoader, 'src/server.ts', ...(options.args ?? [])],
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
        // Off unless a test turns one on, as in harness.ts: suites read far more than 100 times a
        // minute from 127.0.0.1.
        RATE_LIMIT_UPLOADS_PER_MIN: '0',
        RATE_LIMIT_INGEST_PER_MIN: '0',
        RATE_LIMIT_READS_PER_MIN: '0',
        RATE_LIMIT_ADMIN_PER_MIN: '0',
        RATE_LIMIT_LOGINS_PER_MIN: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

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
    port,
    pid: child.pid ?? 0,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates a project through a server's admin API; returns its slug and token. */
export async function createProjectOn(
  url: string,
  adminToken: string,
  name: string,
): Promise<{ project: { id: string; slug: string }; token: string }> {
  const response = await fetch(`${url}/api/v1/admin/projects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`create project: ${response.status}`);
  return (await response.json()) as { project: { id: string; slug: string }; token: string };
}
