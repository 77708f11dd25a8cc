#!/usr/bin/env node
// `node scripts/audit.mjs`: fails when a production dependency has a high or critical advisory.
// `pnpm audit` exits 1 both for advisories and when its endpoint cannot be reached; only the first
// is ours to fix, so its JSON answer tells them apart: an endpoint failure (a network error, a
// registry or proxy without the audit API) is reported loudly and does not fail the build.
import { spawnSync } from 'node:child_process';

const pnpm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
const result = spawnSync(
  pnpm[0],
  [...pnpm.slice(1), 'audit', '--prod', '--audit-level', 'high', '--json'],
  { encoding: 'utf8', timeout: 120_000 },
);

let answer;
try {
  answer = JSON.parse(result.stdout);
} catch {
  answer = undefined;
}

const counts = answer?.metadata?.vulnerabilities;
if (!counts) {
  const reason = answer?.error
    ? `${answer.error.code}: ${answer.error.message}`
    : (result.error?.message ?? (result.stderr || result.stdout).trim().slice(0, 500));
  console.error(
    `!! pnpm audit could not ask the advisory database, so this check was NOT done:\n!! ${reason}`,
  );
  process.exit(0);
}

const serious = Object.values(answer.advisories ?? {}).filter((advisory) =>
  ['high', 'critical'].includes(advisory.severity),
);
for (const advisory of serious) {
  const paths = advisory.findings?.flatMap((finding) => finding.paths ?? []).slice(0, 3) ?? [];
  console.error(
    `${advisory.severity}: ${advisory.module_name} ${advisory.vulnerable_versions} — ${advisory.title} (${advisory.url})` +
      (paths.length ? `\n  via ${paths.join(', ')}` : ''),
  );
}
const summary = Object.entries(counts)
  .map(([severity, count]) => `${count} ${severity}`)
  .join(', ');
console.log(`pnpm audit (production dependencies): ${summary}`);
process.exit(serious.length > 0 || counts.high > 0 || counts.critical > 0 ? 1 : 0);
