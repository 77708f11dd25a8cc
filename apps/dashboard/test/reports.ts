import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Real Playwright JSON reports made by the real runner on a spec file written for the test, for
 * titles no committed fixture has (markup in a title, say).
 */
const playwrightCli = createRequire(import.meta.url).resolve('@playwright/test/cli');

/** Inside the package (git-ignored), so the spec resolves @playwright/test from its node_modules. */
const scratch = fileURLToPath(new URL('../.tmp/', import.meta.url));

export async function runPlaywrightSpec(spec: string): Promise<unknown> {
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(path.join(scratch, 'pw-'));
  await writeFile(
    path.join(dir, 'playwright.config.ts'),
    `export default { testDir: '.', retries: 1, workers: 1, reporter: [['json', { outputFile: 'report.json' }]] };\n`,
  );
  await writeFile(path.join(dir, 'hostile.spec.ts'), spec);
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('PLAYWRIGHT_') || key === 'CI' || key.startsWith('FLK_')) delete env[key];
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [playwrightCli, 'test'], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  return JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
}
