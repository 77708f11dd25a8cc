import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportPath } from './fixtures/reports.ts';
import { createIsolatedDatabase, dbMode } from './harness.ts';
import {
  assembleImage,
  healthcheckCommand,
  imageCommand,
  imageEnv,
  readDockerfile,
} from './dockerfile.ts';
import { createProjectOn, freePort } from './server-process.ts';

/**
 * apps/api/Dockerfile without a Docker engine: its build stage's package scripts build and deploy
 * the API, its runtime stage's COPYs lay the files out, and its CMD, read from the Dockerfile,
 * starts the server on PostgreSQL with the image's ENV. The server must become ready, take an
 * upload, pass the HEALTHCHECK, and stop on SIGTERM (what `docker stop` sends) with exit code 0.
 */

const ADMIN = 'admin-token-for-the-image-test-01';
const stages = readDockerfile('apps/api/Dockerfile');
let database: Awaited<ReturnType<typeof createIsolatedDatabase>> | undefined;
let image: ReturnType<typeof assembleImage> | undefined;
let child: ChildProcess | undefined;
let output = '';

describe.skipIf(dbMode !== 'postgres')('the API image', () => {
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    image = assembleImage(stages);
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    image?.remove();
    await database?.drop();
  });

  it('runs its CMD as a non-root user and stops on SIGTERM', async () => {
    const runtime = stages.at(-1);
    expect(runtime?.instructions.find((i) => i.keyword === 'USER')?.args).toBe('node');
    const [command, ...args] = imageCommand(stages);
    expect(command).toBe('node');

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv(stages),
      PORT: String(port),
      DATABASE_URL: (database as { url: string }).url,
      ADMIN_TOKEN: ADMIN,
      LOG_REQUESTS: 'false',
    };
    const started = spawn(process.execPath, args, {
      cwd: image?.workdir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));

    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`the server exited:\n${output}`);
      const ready = await fetch(`${url}/ready`).catch(() => null);
      if (ready?.ok) break;
      if (Date.now() > deadline) throw new Error(`the server never became ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The migrations came from the image's drizzle/ folder: the project tables exist.
    const { project, token } = await createProjectOn(url, ADMIN, 'Image test');
    const form = new FormData();
    form.set('report', new Blob([readFileSync(reportPath('basic'))]), 'results.json');
    form.set('branch', 'main');
    form.set('pipeline', '1');
    form.set('job', 'e2e');
    const uploaded = await fetch(`${url}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const body = (await uploaded.json()) as { run: { projectId: string } };
    expect(body.run.projectId).toBe(project.id);

    const [healthCommand, ...healthArgs] = healthcheckCommand(stages);
    expect(healthCommand).toBe('node');
    const health = spawnSync(process.execPath, healthArgs, { env, timeout: 10_000 });
    expect(health.status).toBe(0);

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('Flackyness is running at');
  });
});
