#!/usr/bin/env node
// `pnpm --filter @flackyness/api build`: the compiled server the Docker image runs, in dist/.
//
// Each entry point is bundled by esbuild into dist/, at the path of its source under src/
// (src/server.ts → dist/server.js). @flackyness/shared is bundled in (it is TypeScript source,
// which Node does not load); every dependency of package.json stays an import of node_modules.
//
// The sources find files next to them through `import.meta.url` (the drizzle migrations at
// ../../../../drizzle from src/db/migrate.ts, the dashboard build, package.json, the embedded
// database's worker). In a bundle every module shares the bundle's URL, so each module's
// `import.meta.url` is rewritten to the URL its source would have in dist/ (src/db/migrate.ts sees
// dist/db/migrate.js): dist/ mirrors src/'s depth, and every relative path keeps its target.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const srcDir = `${apiDir}src`;
const distDir = `${apiDir}dist`;

/** The programs of this package: the server and the two command-line tools. */
const entryPoints = ['server.ts', 'db/migrate-cli.ts', 'scm/rotate-token-keys-cli.ts'];

/** Files read at run time next to a module (not imported), copied to the same place in dist/. */
const assets = ['db/embedded-worker.mjs'];

const manifest = JSON.parse(readFileSync(`${apiDir}package.json`, 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => name !== '@flackyness/shared');

/** Gives every module of src/ the import.meta.url of its place in dist/ (see above). */
const mirroredImportMetaUrl = {
  name: 'mirrored-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8');
      const rel = relative(srcDir, args.path);
      if (rel.startsWith('..') || !contents.includes('import.meta.url')) return undefined;
      const distPath = rel.split(sep).join(posix.sep).replace(/\.ts$/, '.js');
      return {
        contents: contents.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(distPath)}, __flackynessDist).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

rmSync(distDir, { recursive: true, force: true });
for (const entry of entryPoints) {
  // The bundle's own URL, up to dist/: what the mirrored URLs are resolved against.
  const up = '../'.repeat(entry.split('/').length - 1) || './';
  await build({
    entryPoints: [`${srcDir}/${entry}`],
    outfile: `${distDir}/${entry.replace(/\.ts$/, '.js')}`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: `const __flackynessDist = new URL(${JSON.stringify(up)}, import.meta.url);` },
    plugins: [mirroredImportMetaUrl],
  });
}
for (const asset of assets) {
  mkdirSync(dirname(`${distDir}/${asset}`), { recursive: true });
  copyFileSync(`${srcDir}/${asset}`, `${distDir}/${asset}`);
}
console.log(`built ${entryPoints.length} programs into ${relative(process.cwd(), distDir) || '.'}`);
