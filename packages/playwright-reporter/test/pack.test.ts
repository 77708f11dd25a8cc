import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtEsm, packageDir } from './paths.ts';
import { runPlaywright } from './run-playwright.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/**
 * What `npm pack` publishes, installed the way npm would lay it out in a user's project:
 * node_modules/@flackyness/playwright-reporter from the tarball, next to @playwright/test.
 */
describe('the npm package', () => {
  let scratch: string;
  let installed: string;
  let files: string[];

  beforeAll(async () => {
    if (!existsSync(builtEsm)) throw new Error('dist is missing: run the build first');
    scratch = await mkdtemp(join(tmpdir(), 'flackyness-pack-'));
    // --ignore-scripts: the build already ran; packing must not rebuild under other tests.
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch],
      {
        cwd: packageDir,
      },
    );
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((f) => f.path).sort();
    const project = join(scratch, 'project');
    installed = join(project, 'node_modules/@flackyness/playwright-reporter');
    await mkdir(installed, { recursive: true });
    await run('tar', [
      'xzf',
      join(scratch, packed!.filename),
      '-C',
      installed,
      '--strip-components=1',
    ]);
    await mkdir(join(project, 'node_modules/@playwright'), { recursive: true });
    await symlink(
      dirname(require.resolve('@playwright/test/package.json')),
      join(project, 'node_modules/@playwright/test'),
    );
  });

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('ships dist and the README only, and has no runtime dependencies', async () => {
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files).toContain('dist/esm/index.js');
    expect(files).toContain('dist/esm/index.d.ts');
    expect(files).toContain('dist/cjs/index.js');
    expect(files).toContain('dist/cjs/index.d.ts');
    expect(files).toContain('dist/cjs/package.json');
    expect(files.filter((f) => !/^(dist\/|README\.md$|package\.json$|LICENSE$)/.test(f))).toEqual(
      [],
    );
    expect(files.filter((f) => /\.test\.|typetest/.test(f))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual({ '@playwright/test': '>=1.40' });
    expect(manifest.license).toBe('MIT');
  });

  it('loads with require() and import(), the reporter class as default', async () => {
    const project = join(scratch, 'project');
    const cjs = await run(
      process.execPath,
      [
        '-e',
        "const m = require('@flackyness/playwright-reporter'); const R = m.default; console.log(typeof R, new R({}, { env: {}, writeStderr() {} }).printsToStdio())",
      ],
      { cwd: project },
    );
    expect(cjs.stdout.trim()).toBe('function false');
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import R from '@flackyness/playwright-reporter'; console.log(typeof R, new R({}, { env: {}, writeStderr() {} }).printsToStdio())",
      ],
      { cwd: project },
    );
    expect(esm.stdout.trim()).toBe('function false');
  });

  it('is loaded by Playwright by its package name', async () => {
    const project = join(scratch, 'project');
    await writeFile(
      join(project, 'playwright.config.js'),
      "module.exports = { testDir: '.', reporter: [['@flackyness/playwright-reporter', { runName: 'x' }]] };\n",
    );
    await writeFile(
      join(project, 'one.spec.js'),
      "const { test } = require('@playwright/test');\ntest('one', () => {});\n",
    );
    const result = await runPlaywright({
      config: join(project, 'playwright.config.js'),
      reporters: [],
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('Flackyness:'))).toEqual([
      'Flackyness: no url and token configured (FLACKYNESS_URL, FLACKYNESS_TOKEN): live results are not sent.',
    ]);
    // Ours alone prints nothing to stdout, so Playwright adds its own terminal reporter.
    expect(result.stdout).toContain('1 passed');
  });

  it('type-checks in a TypeScript project, from ESM and from CommonJS', async () => {
    const project = join(scratch, 'project');
    await writeFile(
      join(project, 'config.mts'),
      "import Reporter from '@flackyness/playwright-reporter';\n" +
        "import type { FlackynessReporterOptions } from '@flackyness/playwright-reporter';\n" +
        "const options: FlackynessReporterOptions = { url: 'https://f', flushIntervalMs: 2000, debug: true };\n" +
        'export const reporter = new Reporter(options);\n',
    );
    await writeFile(
      join(project, 'config.cts'),
      "import Reporter = require('@flackyness/playwright-reporter');\n" +
        "export const reporter = new Reporter.default({ token: 't' });\n",
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        '--typeRoots',
        dirname(dirname(require.resolve('@types/node/package.json'))),
        'config.mts',
        'config.cts',
      ],
      { cwd: project },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(result.stdout).toBe('');
    expect(await readdir(project)).toEqual(expect.arrayContaining(['config.mts', 'config.cts']));
  });
});
