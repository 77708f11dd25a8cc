// Builds the ESM and CommonJS outputs with tsc. dist/cjs gets its own package.json so Node reads
// its .js files as CommonJS inside this "type": "module" package. tsc rewrites the sources'
// relative `.ts` imports in .js files but not in declarations, so those are rewritten here, for
// consumers that do not allow importing `.ts`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const config of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, config)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
mkdirSync(join(root, 'dist/cjs'), { recursive: true });
writeFileSync(join(root, 'dist/cjs/package.json'), '{"type":"commonjs"}\n');

for (const dir of ['dist/esm', 'dist/cjs']) {
  for (const name of readdirSync(join(root, dir))) {
    if (!name.endsWith('.d.ts')) continue;
    const file = join(root, dir, name);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
  }
}
