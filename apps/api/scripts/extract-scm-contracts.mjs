#!/usr/bin/env node
/**
 * Extracts the few operations Flackyness calls on GitHub, GitLab and Azure DevOps from the
 * platforms' PUBLISHED API descriptions into small JSON subsets (test/scm-contracts/*.json).
 * The fake servers in the tests check every request they receive against those subsets
 * (test/scm-contracts/contract.ts), so a fake can never accept a request the real API would not.
 *
 * Usage (from apps/api; any subset of providers):
 *
 *   node scripts/extract-scm-contracts.mjs \
 *     --github <api.github.com.json | npm:@octokit/openapi@23.0.2> --source-github "<where from>" \
 *     --gitlab <openapi_v3.yaml> --source-gitlab "<where from>" \
 *     --azure <specification/git/7.1/git.json> --source-azure "<where from>" \
 *     [--azure-location <specification/location/7.1/location.json>] [--out test/scm-contracts]
 *
 * Where the descriptions come from:
 *  - GitHub: github/rest-api-description as republished in the npm package @octokit/openapi
 *    (package/generated/api.github.com.json, API version 2022-11-28). `--github npm:<spec>` runs
 *    `npm pack <spec>` into a temporary directory and reads that file.
 *  - GitLab: doc/api/openapi/openapi_v3.yaml of gitlab-org/gitlab. The committed gitlab.json was
 *    extracted from a PARTIAL document: without internet, the 3.9 MB file could only be read in
 *    16,000-character windows, so the path items and component schemas we need were located by
 *    sampling offsets and copied verbatim into a partial YAML (header + those paths + the
 *    schemas they reference that were found). $refs to schemas that were not copied are cut to
 *    `{}` and listed under source.unresolvedRefs. With internet, re-run on the full file, e.g.
 *      curl -o /tmp/openapi_v3.yaml \
 *        https://gitlab.com/gitlab-org/gitlab/-/raw/045bf8777ea893e770b49d420febaeb7bf89e24a/doc/api/openapi/openapi_v3.yaml
 *    and nothing will be unresolved.
 *  - Azure DevOps: MicrosoftDocs/vsts-rest-api-specs, specification/git/7.1/git.json (Swagger
 *    2.0); the caller's identity (GET {organization}/_apis/connectionData) would come from
 *    specification/location/7.1/location.json when that file exists (--azure-location).
 *
 * What is written for each operation: method, path template (as the description spells it),
 * operationId, parameters (path/query/header, $refs resolved, Swagger 2.0 inline types moved into
 * `schema`), the JSON request body schema and the 2xx response schema, all with $refs resolved.
 * OpenAPI 3.0 `nullable: true` becomes a JSON Schema type union with "null" so Ajv needs no
 * OpenAPI mode. Cycles are cut (a $ref already being expanded becomes `{}`), response schemas are
 * cut below depth 6, and descriptions/examples inside schemas are dropped, to keep the files small.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

/** The operations we call, by provider. Paths use the description's own parameter names. */
const WANTED = {
  github: [
    ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
    ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    ['get', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
    ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
    ['post', '/repos/{owner}/{repo}/statuses/{sha}'],
    ['get', '/user'],
  ],
  gitlab: [
    ['get', '/api/v4/projects/{id}/merge_requests/{merge_request_iid}'],
    ['get', '/api/v4/projects/{id}/merge_requests/{noteable_id}/notes'],
    ['post', '/api/v4/projects/{id}/merge_requests/{noteable_id}/notes'],
    ['get', '/api/v4/projects/{id}/merge_requests/{noteable_id}/notes/{note_id}'],
    ['put', '/api/v4/projects/{id}/merge_requests/{noteable_id}/notes/{note_id}'],
    ['post', '/api/v4/projects/{id}/statuses/{sha}'],
    ['get', '/api/v4/user'],
  ],
  azure: [
    [
      'get',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}',
    ],
    [
      'get',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads',
    ],
    [
      'post',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads',
    ],
    [
      'get',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}',
    ],
    [
      'patch',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/comments/{commentId}',
    ],
    [
      'post',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/statuses',
    ],
    [
      'post',
      '/{organization}/{project}/_apis/git/repositories/{repositoryId}/commits/{commitId}/statuses',
    ],
  ],
  azureLocation: [['get', '/{organization}/_apis/connectionData']],
};

const RESPONSE_DEPTH = 6;
const SCHEMA_NOISE = new Set([
  'description',
  'example',
  'examples',
  'externalDocs',
  'title',
  'x-github',
  'xml',
]);

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key?.startsWith('--') || argv[i + 1] === undefined)
      throw new Error(`bad argument near ${key}`);
    args[key.slice(2)] = argv[i + 1];
  }
  return args;
}

function loadDocument(path) {
  // The Azure descriptions start with a UTF-8 byte order mark, which JSON.parse rejects.
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
}

/** `npm:<spec>` → npm pack into a temp dir and return the path of api.github.com.json. */
function githubPath(arg) {
  if (!arg.startsWith('npm:')) return arg;
  const dir = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
  execFileSync('npm', ['pack', arg.slice(4), '--pack-destination', dir], { stdio: 'inherit' });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir]);
  return join(dir, 'package', 'generated', 'api.github.com.json');
}

/** Template identity for matching WANTED against the description: literals lower-cased (Azure
 *  spells `pullrequests` and `pullRequests` for the same resource), parameters anonymous. */
const templateKey = (path) =>
  path
    .split('/')
    .map((s) => (s.startsWith('{') ? '{}' : s.toLowerCase()))
    .join('/');

/** Resolves JSON pointers `#/a/b` within the document. */
function pointer(doc, ref) {
  if (!ref.startsWith('#/')) return undefined;
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

class Resolver {
  constructor(doc) {
    this.doc = doc;
    this.unresolved = new Set();
  }

  /** Plain $ref resolution (parameters, request bodies): one level, no schema rewriting. */
  deref(node) {
    let current = node;
    for (let i = 0; current && typeof current === 'object' && '$ref' in current && i < 10; i++) {
      const target = pointer(this.doc, current.$ref);
      if (target === undefined) {
        this.unresolved.add(current.$ref);
        return undefined;
      }
      current = target;
    }
    return current;
  }

  /** A schema with every $ref expanded, `nullable` turned into type unions and noise dropped.
   *  `stack` holds the refs being expanded (a repeat is a cycle, cut to `{}`). */
  schema(node, depth = Infinity, stack = []) {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((n) => this.schema(n, depth, stack));
    if (typeof node.$ref === 'string') {
      if (stack.includes(node.$ref)) return { 'x-cut': `cycle ${node.$ref}` };
      const target = pointer(this.doc, node.$ref);
      if (target === undefined) {
        this.unresolved.add(node.$ref);
        return { 'x-unresolved': node.$ref };
      }
      return this.schema(target, depth, [...stack, node.$ref]);
    }
    if (depth <= 0) return {};
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_NOISE.has(key)) continue;
      if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
        out[key] = Object.fromEntries(
          Object.entries(value).map(([name, sub]) => [name, this.schema(sub, depth - 1, stack)]),
        );
      } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
        out[key] = typeof value === 'object' ? this.schema(value, depth - 1, stack) : value;
      } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
        out[key] = value.map((sub) => this.schema(sub, depth, stack));
      } else {
        out[key] = value;
      }
    }
    return denullable(out);
  }
}

/** OpenAPI 3.0 `nullable: true` → JSON Schema: add "null" to `type` (and to `enum`). */
function denullable(schema) {
  if (schema.nullable !== true) {
    if ('nullable' in schema) delete schema.nullable;
    return schema;
  }
  delete schema.nullable;
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  else if (Array.isArray(schema.type) && !schema.type.includes('null'))
    schema.type = [...schema.type, 'null'];
  else if (schema.type === undefined) return { anyOf: [schema, { type: 'null' }] };
  if (Array.isArray(schema.enum) && !schema.enum.includes(null))
    schema.enum = [...schema.enum, null];
  return schema;
}

/** Swagger 2.0 keeps a non-body parameter's type inline; OpenAPI 3 wants it under `schema`. */
const INLINE_SCHEMA_KEYS = [
  'type',
  'format',
  'enum',
  'items',
  'default',
  'minimum',
  'maximum',
  'pattern',
];

function extractParameter(resolver, raw) {
  const p = resolver.deref(raw);
  if (!p || p.in === 'body' || p.in === 'formData') return undefined;
  const schemaSource =
    p.schema ?? Object.fromEntries(INLINE_SCHEMA_KEYS.filter((k) => k in p).map((k) => [k, p[k]]));
  const out = {
    name: p.name,
    in: p.in,
    required: p.required === true,
    schema: resolver.schema(schemaSource),
  };
  if (p['x-multi-segment']) out['x-multi-segment'] = true;
  // Azure declares api-version as a free string whose value lives in prose ("This should be set
  // to '7.1' to use this version of the api."); keep that value so the validator can check it.
  const expected = /should be set to '([^']+)'/.exec(p.description ?? '');
  if (p.name === 'api-version' && expected) out.expectedValue = expected[1];
  return out;
}

function extractOperation(resolver, method, path, pathItem, swagger2) {
  const op = pathItem[method];
  const rawParams = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])];
  const byKey = new Map();
  for (const raw of rawParams) {
    const p = extractParameter(resolver, raw);
    if (p) byKey.set(`${p.in}:${p.name}`, p); // operation-level overrides path-level
  }
  let requestBody = null;
  if (swagger2) {
    const body = rawParams.map((r) => resolver.deref(r)).find((p) => p?.in === 'body');
    if (body)
      requestBody = {
        required: body.required === true,
        contentType: 'application/json',
        schema: resolver.schema(body.schema),
      };
  } else if (op.requestBody) {
    const rb = resolver.deref(op.requestBody);
    const json = rb?.content?.['application/json'];
    const [contentType, media] = json
      ? ['application/json', json]
      : (Object.entries(rb?.content ?? {})[0] ?? []);
    if (media)
      requestBody = {
        required: rb.required === true,
        contentType,
        schema: resolver.schema(media.schema ?? {}),
      };
  }
  let response = null;
  for (const [status, raw] of Object.entries(op.responses ?? {})) {
    if (!/^2\d\d$/.test(status)) continue;
    const r = resolver.deref(raw);
    const schema = swagger2
      ? r?.schema
      : (r?.content?.['application/json']?.schema ?? Object.values(r?.content ?? {})[0]?.schema);
    response = { status, schema: schema ? resolver.schema(schema, RESPONSE_DEPTH) : null };
    break;
  }
  return {
    operationId: op.operationId,
    method: method.toUpperCase(),
    path,
    summary: op.summary ?? null,
    parameters: [...byKey.values()],
    requestBody,
    response,
  };
}

function extract(doc, wanted) {
  const swagger2 = doc.swagger === '2.0';
  const resolver = new Resolver(doc);
  const index = new Map();
  for (const path of Object.keys(doc.paths ?? {})) index.set(templateKey(path), path);
  const operations = [];
  const missing = [];
  for (const [method, wantedPath] of wanted) {
    const path = index.get(templateKey(wantedPath));
    const item = path === undefined ? undefined : doc.paths[path];
    if (!item?.[method]) {
      missing.push(`${method.toUpperCase()} ${wantedPath}`);
      continue;
    }
    operations.push(extractOperation(resolver, method, path, item, swagger2));
  }
  return { operations, missing, unresolvedRefs: [...resolver.unresolved].sort() };
}

function write(outDir, name, source, result) {
  const file = join(outDir, `${name}.json`);
  const payload = {
    source: {
      ...source,
      extractedAt: new Date().toISOString(),
      extractedBy: 'apps/api/scripts/extract-scm-contracts.mjs',
      ...(result.missing.length ? { missingOperations: result.missing } : {}),
      ...(result.unresolvedRefs.length ? { unresolvedRefs: result.unresolvedRefs } : {}),
    },
    operations: result.operations,
  };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  console.log(
    `${file}: ${result.operations.length} operations` +
      (result.missing.length ? `, missing ${result.missing.join('; ')}` : ''),
  );
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const outDir = resolve(args.out ?? 'test/scm-contracts');
  mkdirSync(outDir, { recursive: true });
  if (args.github) {
    const doc = loadDocument(githubPath(args.github));
    write(
      outDir,
      'github',
      {
        description: args['source-github'] ?? args.github,
        apiVersion: doc.info?.version,
        pathMatching: 'exact',
      },
      extract(doc, WANTED.github),
    );
  }
  if (args.gitlab) {
    const doc = loadDocument(args.gitlab);
    write(
      outDir,
      'gitlab',
      {
        description: args['source-gitlab'] ?? args.gitlab,
        apiVersion: doc.info?.version,
        pathMatching: 'exact',
      },
      extract(doc, WANTED.gitlab),
    );
  }
  if (args.azure) {
    const doc = loadDocument(args.azure);
    const result = extract(doc, WANTED.azure);
    if (args['azure-location']) {
      const location = extract(loadDocument(args['azure-location']), WANTED.azureLocation);
      result.operations.push(...location.operations);
      result.missing.push(...location.missing);
      result.unresolvedRefs.push(...location.unresolvedRefs);
    } else {
      result.missing.push(
        'GET /{organization}/_apis/connectionData (no location description given)',
      );
    }
    // Azure DevOps routes are case-insensitive, and the description itself spells the same
    // resource `pullrequests` and `pullRequests`: literal segments match case-insensitively.
    write(
      outDir,
      'azure',
      {
        description: args['source-azure'] ?? args.azure,
        apiVersion: doc.info?.version,
        pathMatching: 'case-insensitive-literals',
      },
      result,
    );
  }
}

main();
