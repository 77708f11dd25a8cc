import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout of shared/STYLE.md, checked: arrows point down (routes → use cases → model and
 * queries → domain types), the pure report folder touches no database, and no two modules import
 * each other, directly or around a cycle.
 */
const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

const IMPORT = /^(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm;

const graph = new Map(
  sourceFiles(srcDir).map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1] as string));
    return [relative(srcDir, file), targets.map((t) => relative(srcDir, t))] as const;
  }),
);

const folderOf = (file: string): string =>
  file.includes('/') ? (file.split('/')[0] as string) : '.';

/** Folders each folder may import from (besides itself). */
const allowed: Record<string, readonly string[]> = {
  domain: [],
  report: ['domain'],
  db: ['domain', '.'],
  flakiness: ['domain', 'db'],
  upload: ['domain', 'report', 'db', 'flakiness'],
  live: ['domain', 'report', 'db', 'flakiness', 'upload', '.'],
  scm: ['domain', 'db', 'flakiness', '.'],
  jobs: ['domain', 'db', 'flakiness', 'live', '.'],
  http: ['domain', 'db', 'flakiness', 'live', 'scm', '.'],
  routes: ['domain', 'report', 'db', 'flakiness', 'upload', 'live', 'scm', 'http', '.'],
  demo: ['domain', 'report', 'db', 'flakiness', 'upload', '.'],
};

/** Folders only the entry point (server.ts) may import: they start things, nothing builds on them. */
const onlyForServer = ['demo'];

describe('architecture', () => {
  it('imports only point down the layers', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      const may = allowed[from];
      if (!may) continue;
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== from && !may.includes(to)) violations.push(`${file} → ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('leaves the start-only folders to server.ts', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const to = folderOf(target);
        if (onlyForServer.includes(to) && folderOf(file) !== to && file !== 'server.ts') {
          violations.push(`${file} → ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
