import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ciProviderNames } from '@flackyness/shared/ingest';
import { parseDocument, type Tags } from 'yaml';
import { describe, expect, it } from 'vitest';
import { uploadMetadataSchema } from '../src/upload/upload-metadata.ts';
import { repoRoot } from './dockerfile.ts';

/**
 * The GitLab files, which no runner runs here: .gitlab-ci.yml (this project's pipeline) and
 * ci/flackyness-upload.gitlab-ci.yml (the upload job users include). Both must parse; the upload's
 * form fields must be the ones POST /api/v1/reports accepts, and the same as the README's snippet.
 */

const read = (name: string) => readFileSync(path.join(repoRoot, name), 'utf8');

/** GitLab's `!reference [job, key]` tag, kept as the list it names. */
const gitlabTags: Tags = [
  { tag: '!reference', collection: 'seq', resolve: (value) => value } as Tags[number],
];

function parseGitlab(name: string): Record<string, Record<string, unknown>> {
  const document = parseDocument(read(name), { customTags: gitlabTags, prettyErrors: true });
  expect(document.errors.map(String), name).toEqual([]);
  expect(document.warnings.map(String), name).toEqual([]);
  return document.toJS() as Record<string, Record<string, unknown>>;
}

/** The `-F "name=value"` fields of a curl command. */
function formFields(command: string): Map<string, string> {
  return new Map(
    [...command.matchAll(/-F "([A-Za-z]+)=([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

describe('ci/flackyness-upload.gitlab-ci.yml', () => {
  const template = parseGitlab('ci/flackyness-upload.gitlab-ci.yml')['.flackyness-upload'];
  const command = ((template?.after_script as string[] | undefined) ?? []).join('\n');
  const fields = formFields(command);

  it('is a hidden job that uploads in after_script, so a failed upload never fails the job', () => {
    expect(template).toBeDefined();
    expect(template?.script).toBeUndefined();
    expect(command).toContain('curl --fail-with-body');
    expect(command).toContain('"$FLACKYNESS_URL/api/v1/reports"');
    expect(command).toContain('-H "Authorization: Bearer $FLACKYNESS_TOKEN"');
    expect(command).not.toMatch(/\|\| true/);
  });

  it('sends the report file and only metadata fields the upload endpoint accepts', () => {
    expect(fields.get('report')).toBe('@$PLAYWRIGHT_JSON_OUTPUT_NAME');
    const accepted = Object.keys(uploadMetadataSchema.shape);
    const metadata = [...fields.keys()].filter((name) => name !== 'report');
    for (const name of metadata) expect(accepted).toContain(name);
    for (const name of ['branch', 'commit', 'pipeline', 'job', 'ciProvider', 'pr']) {
      expect(metadata).toContain(name);
    }
    expect(ciProviderNames).toContain(fields.get('ciProvider'));
    // The merge request's head, not the merge commit of a merged-results pipeline.
    expect(fields.get('commit')).toBe('${CI_MERGE_REQUEST_SOURCE_BRANCH_SHA:-$CI_COMMIT_SHA}');
  });

  it("sends the same fields as the README's GitLab snippet", () => {
    const readme = read('README.md');
    const snippet = /### GitLab CI\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const readmeFields = formFields(snippet);
    expect(readmeFields.size).toBeGreaterThan(5);
    for (const [name, value] of readmeFields) {
      if (name !== 'report') expect(fields.get(name), name).toBe(value);
    }
    expect([...fields.keys()].sort()).toEqual([...readmeFields.keys()].sort());
  });
});

describe('.gitlab-ci.yml', () => {
  const pipeline = parseGitlab('.gitlab-ci.yml');
  const manifest = JSON.parse(read('package.json')) as {
    packageManager: string;
    scripts: Record<string, string>;
  };

  it("installs the repository's pinned pnpm from npm", () => {
    const variables = pipeline.variables as Record<string, string>;
    expect(`pnpm@${variables.PNPM_VERSION}`).toBe(manifest.packageManager);
    expect(pipeline['.pnpm']?.before_script).toContain('npm install -g "pnpm@$PNPM_VERSION"');
  });

  it('runs lint, typecheck, the tests on PostgreSQL with Chromium, and the audit', () => {
    const scripts = Object.values(pipeline).flatMap((job) =>
      Array.isArray(job?.script) ? (job.script as string[]) : [],
    );
    for (const command of ['pnpm lint', 'pnpm -r typecheck', 'pnpm test', 'pnpm audit:prod']) {
      expect(scripts).toContain(command);
    }
    expect(manifest.scripts['audit:prod']).toBeDefined();
    const test = pipeline.test as { services: { name: string }[]; before_script: unknown[] };
    expect(test.services.map((s) => s.name)).toContain('postgres:16');
    expect(JSON.stringify(test.before_script)).toContain('install -y -qq chromium');
  });

  it('builds the images from existing Dockerfiles on the default branch', () => {
    const images = Object.entries(pipeline).filter(([, job]) => job?.extends === '.image');
    expect(images.map(([name]) => name).sort()).toEqual(['image-api', 'image-dashboard']);
    for (const [, job] of images) {
      const dockerfile = (job.variables as Record<string, string>).DOCKERFILE ?? '';
      expect(existsSync(path.join(repoRoot, dockerfile)), dockerfile).toBe(true);
    }
    expect(JSON.stringify(pipeline['.image']?.rules)).toContain('$CI_DEFAULT_BRANCH');
  });
});
