import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's Dockerfiles, read as data, so tests run what an image runs without a Docker
 * engine: the build stage's package scripts, the runtime stage's file layout, its ENV, its CMD and
 * its HEALTHCHECK. A test that uses these cannot drift from the Dockerfile it checks.
 */

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Instruction {
  keyword: string;
  /** The arguments as written, continuation lines joined. */
  args: string;
}

export interface Stage {
  name: string | null;
  base: string;
  instructions: Instruction[];
}

/** Parses a Dockerfile into its stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = line.slice(keyword.length).trim();
    if (keyword.toUpperCase() === 'FROM') {
      const [base = '', as, name] = rest;
      stages.push({
        base,
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before FROM`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

export function readDockerfile(relativePath: string): Stage[] {
  return parseDockerfile(readFileSync(path.join(repoRoot, relativePath), 'utf8'));
}

/** An exec-form argument list (`["node", "x.js"]`); shell form is refused (no signal forwarding). */
function execForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${what} must be in exec form: ${args}`);
  }
  return parsed;
}

export function finalStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error('no stage');
  return stage;
}

function only(stage: Stage, keyword: string): Instruction {
  const found = stage.instructions.filter((i) => i.keyword === keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0] as Instruction;
}

/** The image's CMD. */
export function imageCommand(stages: Stage[]): string[] {
  return execForm(only(finalStage(stages), 'CMD').args, 'CMD');
}

/** The HEALTHCHECK's command (after its options and `CMD`). */
export function healthcheckCommand(stages: Stage[]): string[] {
  const args = only(finalStage(stages), 'HEALTHCHECK').args;
  const at = args.indexOf('CMD ');
  if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  return execForm(args.slice(at + 4).trim(), 'HEALTHCHECK');
}

/** The runtime stage's ENV (`KEY=value` pairs). */
export function imageEnv(stages: Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of finalStage(stages).instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** The pnpm commands of the build stage's RUN that builds (e.g. `pnpm --filter x build`). */
export function buildCommands(stages: Stage[]): string[][] {
  const build = stages.find((s) => s.name === 'build');
  const run = build?.instructions.find(
    (i) => i.keyword === 'RUN' && /\bpnpm\b.*\bbuild\b/.test(i.args),
  );
  if (!run) throw new Error('no RUN with a pnpm build in the build stage');
  return run.args.split('&&').map((command) => command.trim().split(/\s+/));
}

/**
 * Assembles the image's file system in a temporary folder, as the Dockerfile does: runs the build
 * stage's pnpm commands in this repository (already installed; `skip` leaves out sub-commands
 * such as a build the test run already made), with its `/out` in the temporary folder, then
 * copies what the runtime stage COPYs (from the build stage or the context) under its WORKDIR.
 * Returns the WORKDIR.
 */
export function assembleImage(
  stages: Stage[],
  options: { skip?: string[]; pnpm?: string[] } = {},
): { workdir: string; remove(): void } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'flackyness-image-'));
  const out = path.join(scratch, 'out');
  const root = path.join(scratch, 'root');
  const pnpm = options.pnpm ?? pnpmCommand();
  for (const command of buildCommands(stages)) {
    if (command[0] !== 'pnpm') throw new Error(`not a pnpm command: ${command.join(' ')}`);
    if (options.skip?.some((word) => command.includes(word))) continue;
    const args = command
      .slice(1)
      .map((a) => (a.startsWith('/out/') ? path.join(out, a.slice(5)) : a));
    const result = spawnSync(pnpm[0] as string, [...pnpm.slice(1), ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`pnpm ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    }
    removeStrayBinLinks(scratch);
  }
  const runtime = finalStage(stages);
  let workdir = root;
  for (const { keyword, args } of runtime.instructions) {
    if (keyword === 'WORKDIR') workdir = path.join(root, args);
    if (keyword !== 'COPY') continue;
    const parts = args.split(/\s+/);
    const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
    const [source, target] = parts.filter((p) => !p.startsWith('--'));
    if (!source || !target) throw new Error(`COPY needs a source and a target: ${args}`);
    const sourcePath = from
      ? source.startsWith('/out/')
        ? path.join(out, source.slice(5))
        : (() => {
            throw new Error(`COPY --from=${from} of ${source}: only /out/ is known`);
          })()
      : path.join(repoRoot, source);
    const targetPath = path.join(workdir, target);
    mkdirSync(path.dirname(targetPath), { recursive: true });
    cpSync(sourcePath, targetPath, { recursive: true, verbatimSymlinks: true });
  }
  return { workdir, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

/**
 * `pnpm deploy --legacy` to an absolute path also writes the bin links of its target under the
 * workspace, at the same path made relative (/tmp/x → <repository>/tmp/x/…/node_modules/.bin);
 * that copy is removed, and the folders left empty by it.
 */
function removeStrayBinLinks(target: string): void {
  let stray = path.join(repoRoot, path.relative(path.parse(target).root, target));
  rmSync(stray, { recursive: true, force: true });
  for (;;) {
    stray = path.dirname(stray);
    if (
      path.relative(repoRoot, stray) === '' ||
      !existsSync(stray) ||
      readdirSync(stray).length > 0
    )
      break;
    rmdirSync(stray);
  }
}

/** The pnpm running the tests (npx pnpm@… on a machine without a global pnpm), else `pnpm`. */
export function pnpmCommand(): string[] {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath) ? [process.execPath, execPath] : ['pnpm'];
}
