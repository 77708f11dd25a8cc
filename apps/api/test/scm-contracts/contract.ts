/**
 * Checks a request a fake SCM server received against the operations extracted from the
 * platform's published API description (github.json, gitlab.json, azure.json beside this file,
 * written by scripts/extract-scm-contracts.mjs). Fakes call `checkRequest` for every request, so
 * a provider that sends something the real platform would reject fails its tests here, with a
 * message naming the operation and every problem, instead of passing against a lenient fake.
 *
 * Paths: the templates are matched against the URL pathname as received (still percent-encoded)
 * after `basePath` is stripped. The defaults suit fakes mounted at the root: GitHub templates start
 * at `/repos/...` (pass '/api/v3' for a GHES-style fake), GitLab templates already include
 * `/api/v4`, Azure templates start at `/{organization}/{project}/_apis/...` (dev.azure.com). A
 * `{param}` matches exactly one non-empty segment, decoded after matching: GitLab's
 * `group%2Fsub%2Fproject` is one `{id}`, while a raw `group/sub/project` matches nothing (the real
 * GitLab answers 404 for it). Only a parameter the description marks `x-multi-segment` (GitHub's
 * `{sha}`) may span several segments. Azure literals match case-insensitively, as Azure routes do
 * (its own description spells both `pullrequests` and `pullRequests`).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type ContractName = 'github' | 'gitlab' | 'azure';

export interface ContractRequest {
  method: string;
  /** URL pathname, still percent-encoded as received. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON, or undefined when the request had no body. */
  body: unknown;
}

export interface ContractMatch {
  operationId: string;
  /** Decoded path parameters. */
  pathParams: Record<string, string>;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

type JsonSchema = Record<string, unknown>;

export interface ContractParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
  'x-multi-segment'?: boolean;
  /** The value the description asks for in prose (Azure's `api-version`). */
  expectedValue?: string;
}

export interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  summary: string | null;
  parameters: ContractParameter[];
  requestBody: { required: boolean; contentType: string; schema: JsonSchema } | null;
  response: { status: string; schema: JsonSchema | null } | null;
}

interface ContractFile {
  source: { pathMatching: 'exact' | 'case-insensitive-literals'; [key: string]: unknown };
  operations: ContractOperation[];
}

interface Compiled {
  operation: ContractOperation;
  segments: string[];
  caseInsensitive: boolean;
}

const loaded = new Map<ContractName, Compiled[]>();

function load(contract: ContractName): Compiled[] {
  let compiled = loaded.get(contract);
  if (!compiled) {
    const file = JSON.parse(
      readFileSync(new URL(`./${contract}.json`, import.meta.url), 'utf8'),
    ) as ContractFile;
    const caseInsensitive = file.source.pathMatching === 'case-insensitive-literals';
    compiled = file.operations.map((operation) => ({
      operation,
      segments: operation.path.split('/').slice(1),
      caseInsensitive,
    }));
    loaded.set(contract, compiled);
  }
  return compiled;
}

/** The operations a contract covers, so tests can assert every one is exercised. */
export function contractOperations(contract: ContractName): readonly ContractOperation[] {
  return load(contract).map((c) => c.operation);
}

// One Ajv for everything: the descriptions are OpenAPI dialects, not strict JSON Schema
// (unknown keywords such as `readOnly`, `x-*`), and formats like `int64`/`binary` are not JSON
// Schema formats, so strict mode and format validation are off. `nullable` was already turned into
// type unions by the extraction script.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

function validator(key: string, schema: JsonSchema): ValidateFunction {
  let fn = validators.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    validators.set(key, fn);
  }
  return fn;
}

function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = `${where}${e.instancePath}`;
    if (e.keyword === 'required')
      return `${at}: missing required property '${String(e.params['missingProperty'])}'`;
    if (e.keyword === 'enum')
      return `${at}: ${e.message ?? 'not allowed'} (${JSON.stringify(e.params['allowedValues'])})`;
    if (e.keyword === 'additionalProperties')
      return `${at}: unexpected property '${String(e.params['additionalProperty'])}'`;
    return `${at}: ${e.message ?? e.keyword}`;
  });
}

/** Path, query and header values arrive as strings; a parameter declared as a number or boolean
 *  is valid when its text parses as one (not with Ajv's coercion, which breaks `oneOf`). */
function checkScalar(key: string, where: string, schema: JsonSchema, raw: string): string[] {
  const fn = validator(key, schema);
  const candidates: unknown[] = [raw];
  if (/^-?\d+(\.\d+)?$/.test(raw)) candidates.push(Number(raw));
  if (raw === 'true' || raw === 'false') candidates.push(raw === 'true');
  if (candidates.some((value) => fn(value))) return [];
  fn(raw);
  return describeErrors(where, fn.errors);
}

/** Template segments against request segments; undefined when they do not fit. */
function matchPath(
  compiled: Compiled,
  requestSegments: string[],
): Record<string, string> | undefined {
  const { segments, caseInsensitive, operation } = compiled;
  const params: Record<string, string> = {};
  let r = 0;
  for (let t = 0; t < segments.length; t++) {
    const segment = segments[t] as string;
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      const actual = requestSegments[r++];
      if (actual === undefined) return undefined;
      const same = caseInsensitive
        ? actual.toLowerCase() === segment.toLowerCase()
        : actual === segment;
      if (!same) return undefined;
      continue;
    }
    const multi = operation.parameters.find((p) => p.in === 'path' && p.name === name)?.[
      'x-multi-segment'
    ];
    // A multi-segment parameter takes what the literals after it leave over.
    const take = multi ? requestSegments.length - r - (segments.length - t - 1) : 1;
    if (take < 1) return undefined;
    const raw = requestSegments.slice(r, r + take);
    r += take;
    if (raw.some((s) => s === '')) return undefined;
    try {
      params[name] = raw.map((s) => decodeURIComponent(s)).join('/');
    } catch {
      return undefined; // malformed percent-encoding
    }
  }
  return r === requestSegments.length ? params : undefined;
}

/** When nothing matches, says whether an unencoded '/' inside a parameter is the likely cause. */
function slashHint(candidates: Compiled[], requestSegments: string[]): string | undefined {
  for (const c of candidates) {
    const literals = c.segments.filter((s) => !s.startsWith('{'));
    if (requestSegments.length <= c.segments.length) continue;
    const lower = (s: string) => (c.caseInsensitive ? s.toLowerCase() : s);
    const present = literals.every((l) => requestSegments.some((s) => lower(s) === lower(l)));
    if (present)
      return `the path has more segments than ${c.operation.method} ${c.operation.path}: a path parameter containing '/' must be percent-encoded as %2F`;
  }
  return undefined;
}

function checkOperation(
  c: Compiled,
  request: ContractRequest,
  pathParams: Record<string, string>,
): string[] {
  const op = c.operation;
  const problems: string[] = [];
  for (const p of op.parameters) {
    const key = `${op.operationId}#${p.in}:${p.name}`;
    let value: string | undefined;
    if (p.in === 'path') value = pathParams[p.name];
    else if (p.in === 'query') value = request.query.get(p.name) ?? undefined;
    else if (p.in === 'header') value = request.headers[p.name.toLowerCase()];
    else continue;
    if (value === undefined) {
      if (p.required) problems.push(`missing required ${p.in} parameter '${p.name}'`);
      continue;
    }
    problems.push(...checkScalar(key, `${p.in} parameter '${p.name}'`, p.schema, value));
    if (p.expectedValue !== undefined && value !== p.expectedValue)
      problems.push(
        `${p.in} parameter '${p.name}' is '${value}', the description asks for '${p.expectedValue}'`,
      );
  }

  const body = op.requestBody;
  if (request.body === undefined) {
    if (body?.required) problems.push(`missing required request body (${body.contentType})`);
  } else if (!body) {
    problems.push('the operation takes no request body, but one was sent');
  } else {
    const contentType = request.headers['content-type'];
    if (!contentType || contentType.split(';')[0]?.trim().toLowerCase() !== body.contentType)
      problems.push(`content-type is '${contentType ?? '(none)'}', expected '${body.contentType}'`);
    const fn = validator(`${op.operationId}#body`, body.schema);
    if (!fn(request.body)) problems.push(...describeErrors('body', fn.errors));
  }
  return problems;
}

/**
 * Finds the operation for the request and checks it; throws ContractViolation (with a message
 * naming the operation and every problem) when no operation matches or anything is wrong.
 */
export function checkRequest(
  contract: ContractName,
  request: ContractRequest,
  options: { basePath?: string } = {},
): ContractMatch {
  const basePath = options.basePath ?? '';
  const method = request.method.toUpperCase();
  const label = `${contract}: ${method} ${request.path}`;
  if (basePath && !(request.path === basePath || request.path.startsWith(`${basePath}/`)))
    throw new ContractViolation(
      `${label}: the path does not start with the base path '${basePath}'`,
    );
  const requestSegments = request.path.slice(basePath.length).split('/').slice(1);

  const compiled = load(contract);
  const byPath = compiled
    .map((c) => ({ c, params: matchPath(c, requestSegments) }))
    .filter((m): m is { c: Compiled; params: Record<string, string> } => m.params !== undefined);
  if (byPath.length === 0) {
    const hint = slashHint(
      compiled.filter((c) => c.operation.method === method),
      requestSegments,
    );
    throw new ContractViolation(
      `${label}: no operation of the ${contract} contract matches this path${hint ? ` (${hint})` : ''}`,
    );
  }
  const match = byPath.find((m) => m.c.operation.method === method);
  if (!match) {
    const allowed = byPath
      .map((m) => `${m.c.operation.method} (${m.c.operation.operationId})`)
      .join(', ');
    throw new ContractViolation(
      `${label}: method ${method} is not an operation of ${byPath[0]?.c.operation.path}; the contract has ${allowed}`,
    );
  }
  const problems = checkOperation(match.c, request, match.params);
  if (problems.length > 0)
    throw new ContractViolation(
      `${label} violates ${match.c.operation.operationId} (${match.c.operation.method} ${match.c.operation.path}):\n- ${problems.join('\n- ')}`,
    );
  return { operationId: match.c.operation.operationId, pathParams: match.params };
}
