import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  assembleImage,
  healthcheckCommand,
  imageCommand,
  imageEnv,
  readDockerfile,
} from '../../../api/test/dockerfile.ts';
import { freePort } from '../server';

/**
 * apps/dashboard/Dockerfile without a Docker engine: its build stage's deploy (the build itself is
 * the one `pnpm test` made before these tests) and its runtime stage's COPYs lay the files out; its
 * CMD, read from the Dockerfile, serves the dashboard as a service of its own (the docker-compose
 * shape) on the test server's API through API_URL. No browser is needed: plain HTTP shows the login
 * page, a login through it, and a page read from the API with the session.
 */

const stages = readDockerfile('apps/dashboard/Dockerfile');
let image: ReturnType<typeof assembleImage> | undefined;
let child: ChildProcess | undefined;

describe('the dashboard image', () => {
  beforeAll(() => {
    image = assembleImage(stages, { skip: ['build'] });
  }, 120_000);
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    image?.remove();
  });

  it('serves the login page from its CMD with API_URL, as a non-root user', async () => {
    expect(stages.at(-1)?.instructions.find((i) => i.keyword === 'USER')?.args).toBe('node');
    const [command, ...args] = imageCommand(stages);
    expect(command).toBe('node');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv(stages),
      PORT: String(port),
      API_URL: inject('baseUrl'),
      ORIGIN: url,
    };
    let output = '';
    const started = spawn(process.execPath, args, {
      cwd: image?.workdir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));

    const deadline = Date.now() + 20_000;
    let login: Response | null = null;
    while (!login?.ok) {
      if (started.exitCode !== null) throw new Error(`the dashboard exited:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the dashboard never answered:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      login = await fetch(`${url}/login`).catch(() => null);
    }
    expect(await login.text()).toContain('Sign in');

    // A login goes through the dashboard to the API at API_URL and comes back as a session cookie.
    const signedIn = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: inject('adminToken') }),
      redirect: 'manual',
    });
    const cookie = signedIn.headers.get('set-cookie')?.match(/flk_session=[^;]+/)?.[0];
    expect(cookie).toBeDefined();
    const home = await fetch(`${url}/projects/demo`, { headers: { cookie: cookie ?? '' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Demo shop');

    const [healthCommand, ...healthArgs] = healthcheckCommand(stages);
    expect(healthCommand).toBe('node');
    expect(spawnSync(process.execPath, healthArgs, { env, timeout: 10_000 }).status).toBe(0);

    started.kill('SIGTERM');
    await exited;
  });
});
