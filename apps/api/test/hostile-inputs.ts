import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { REPORT_NAMES, loadReport } from './fixtures/reports.ts';

/**
 * Hostile inputs for the property-based test of the HTTP API (hostile-uploads.db.test.ts): real
 * Playwright reports mutated at random places, hostile strings and numbers, hostile metadata and
 * headers, and forged cursors and parameters for every read endpoint.
 */

const sharedReportsDir = fileURLToPath(
  new URL('../../../../shared/fixtures/playwright-reports/', import.meta.url),
);

/**
 * The committed fixture reports and, where present, the shared real-world ones, moved to start a
 * day before `now` (every `startTime` shifted alike), so the only dates out of range are the ones
 * the mutations put there.
 */
export function loadBaseReports(now: Date): { name: string; report: unknown }[] {
  const shared = existsSync(sharedReportsDir)
    ? readdirSync(sharedReportsDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({
          name: f,
          report: JSON.parse(readFileSync(`${sharedReportsDir}${f}`, 'utf8')) as unknown,
        }))
    : [];
  const own = REPORT_NAMES.map((name) => ({ name, report: loadReport(name) }));
  return [...own, ...shared].map(({ name, report }) => ({
    name,
    report: shiftStartTimes(report, now.getTime() - 24 * 3_600_000),
  }));
}

function shiftStartTimes(report: unknown, target: number): unknown {
  const starts: number[] = [];
  visit(report, (key, value) => {
    if (key === 'startTime' && typeof value === 'string' && !Number.isNaN(Date.parse(value)))
      starts.push(Date.parse(value));
  });
  if (starts.length === 0) return report;
  const delta = target - Math.min(...starts);
  return JSON.parse(JSON.stringify(report), (key, value: unknown) =>
    key === 'startTime' && typeof value === 'string' && !Number.isNaN(Date.parse(value))
      ? new Date(Date.parse(value) + delta).toISOString()
      : value,
  );
}

function visit(value: unknown, see: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const item of value) visit(item, see);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      see(key, item);
      visit(item, see);
    }
}

/**
 * Tokens written as is into the JSON text: numbers JSON.stringify cannot produce, and arrays
 * nested too deep to build (and print) as values.
 */
const rawNumber = (token: string) => `@@raw@@${token}@@`;
const deepNesting = (depth: number) => `@@nest@@${depth}@@`;

/** The report as JSON text, with its raw tokens in place. */
export function serializeReport(report: unknown): string {
  return JSON.stringify(report).replace(/"@@(raw|nest)@@([-+.0-9eE]*)@@"/g, (_, kind, token) =>
    kind === 'raw' ? token : '['.repeat(Number(token)) + ']'.repeat(Number(token)),
  );
}

export const hostileString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 10 }),
      fc.constantFrom(
        '\u0000',
        '\ud800',
        '\udfff',
        'x\ud83dy',
        ' '.repeat(8192),
        '|',
        '\t',
        '\r\n',
        '\u001b[31m',
        '\u001b[1;32;48;5;200m',
        '\u001b]8;;http://x\u0007',
        '\u001b[',
        '%',
        '\\',
        "'; drop table runs; --",
        '../../etc/passwd',
        '🎭',
        '\u202e',
        '\ufeff',
        'a'.repeat(70_000),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) => parts.join(''));

export const hostileNumber: fc.Arbitrary<number | string> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    0.5,
    -0.000001,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 53 + 1,
    2 ** 63,
    Number.MAX_SAFE_INTEGER,
    5e-324,
  ),
  fc
    .constantFrom('1e999', '-1e999', '-0', '1E400', '123456789012345678901234567890')
    .map(rawNumber),
);

export const hostileDate: fc.Arbitrary<string | number> = fc.constantFrom(
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '0000-00-00',
  '0000-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00.000Z',
  '2024-02-30T25:61:61Z',
  'yesterday',
  '',
  0,
  -1,
  8.64e15,
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: hostileDate, weight: 2 },
  fc.constantFrom(null, true, false, [], {}, [null], { '': null }),
  fc.array(hostileString, { maxLength: 3 }),
);

type Mutation =
  | { kind: 'delete' | 'duplicate' | 'empty'; at: number }
  | { kind: 'rename'; at: number; name: string }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'taint'; at: number; text: string }
  | { kind: 'nest'; at: number; depth: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'empty'), at: fc.nat() }),
  fc.record({ kind: fc.constant('rename'), at: fc.nat(), name: hostileString }),
  fc.record({ kind: fc.constant('replace'), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('taint'), at: fc.nat(), text: hostileString }),
  fc.record({ kind: fc.constant('nest'), at: fc.nat(), depth: fc.integer({ min: 50, max: 5000 }) }),
) as fc.Arbitrary<Mutation>;

interface Place {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

function placesOf(root: unknown): Place[] {
  const places: Place[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        places.push({ parent: value, key: index });
        walk(item);
      });
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        places.push({ parent: record, key });
        walk(record[key]);
      }
    }
  };
  walk(root);
  return places;
}

/** A copy of the report with the mutations applied, each at the `at`-th place (mod their count). */
export function mutateReport(report: unknown, mutations: readonly Mutation[]): unknown {
  const copy = structuredClone(report);
  for (const m of mutations) {
    const places = placesOf(copy);
    const place = places[m.at % Math.max(1, places.length)];
    if (!place) continue;
    const { parent, key } = place;
    const get = () => (parent as Record<string | number, unknown>)[key];
    const set = (value: unknown) => ((parent as Record<string | number, unknown>)[key] = value);
    switch (m.kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(get()));
        else parent[`${String(key)}_copy`] = structuredClone(get());
        break;
      case 'empty':
        set(Array.isArray(get()) ? [] : typeof get() === 'string' ? '' : {});
        break;
      case 'rename':
        if (!Array.isArray(parent)) {
          parent[m.name] = get();
          delete parent[key as string];
        }
        break;
      case 'replace':
        set(m.value);
        break;
      case 'nest':
        set(deepNesting(m.depth));
        break;
      case 'taint': {
        const value = get();
        set(typeof value === 'string' ? value + m.text : m.text);
        break;
      }
    }
  }
  return copy;
}

const metadataName = fc.constantFrom(
  'branch',
  'commit',
  'pipeline',
  'job',
  'shard',
  'ciProvider',
  'repository',
  'pr',
  'runUrl',
  'environment',
  'runName',
  'partial',
  'project',
  'unknown',
);

/**
 * Query parameters of an upload: mostly plausible metadata (a few pipelines and shards, so parts
 * merge into runs and replace each other), else the metadata names with hostile values.
 */
export const uploadQuery: fc.Arbitrary<[string, string][]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          pipeline: fc.constantFrom('p1', 'p2', 'p3'),
          shard: fc.constantFrom('1/2', '2/2'),
          branch: fc.constantFrom('main', 'feature/x'),
          commit: fc.constantFrom('c1', 'c2'),
        },
        { requiredKeys: [] },
      )
      .map((record) => Object.entries(record)),
  },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.tuple(
        metadataName,
        fc.oneof(
          fc.constantFrom('main', 'p1', '1/2', '0/0', '3/2', 'gitlab', '1', '42', '', 'http://x'),
          hostileString.map((s) => s.slice(0, 600)),
          hostileNumber.map(String),
        ),
      ),
      { maxLength: 5 },
    ),
  },
);

/** Lone surrogates replaced: encodeURIComponent throws on them. */
export const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Percent-encoded text, with encodings URLSearchParams never writes (raw NUL, broken UTF-8). */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encodeURIComponent(wellFormed(s.slice(0, 300)))),
  fc.constantFrom('%00', '%ED%A0%80', '%C0%AF', '%FF', '%', '%zz', '%E2%82', '+', '%2B%00'),
);

/** Headers of an upload besides its credentials: mostly none, else hostile ones. */
export const uploadHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        'content-type': fc.constantFrom(
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
        ),
        'idempotency-key': fc.oneof(
          fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
          fc.constantFrom('x'.repeat(300), '  ', 'k1'),
        ),
        'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'gzip, gzip'),
      },
      { requiredKeys: [] },
    ),
  },
);

/** Parameters of a read endpoint, cursors included: real names with hostile values, and unknown names. */
export const readQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'cursor',
        'cursor',
        'cursor',
        'limit',
        'days',
        'branch',
        'q',
        'sort',
        'order',
        'status',
        'source',
        'outcome',
        'nope',
      ),
      fc.oneof(
        forgedCursor(),
        hostileQueryValue,
        fc.constantFrom(
          'flakeRate',
          'lastSeen',
          'title',
          'runs',
          'asc',
          'desc',
          'all',
          'flaky',
          '1',
          '0',
        ),
      ),
    ),
    { maxLength: 4 },
  )
  .map((params) => params.map(([k, v]) => `${k}=${v}`).join('&'));

function forgedCursor(): fc.Arbitrary<string> {
  const part = fc.oneof(
    hostileNumber,
    hostileDate,
    fc.constantFrom(
      'flakeRate',
      'lastSeen',
      'title',
      'runs',
      'asc',
      'desc',
      'unexpected',
      '1',
      null,
    ),
    fc.constantFrom('99999999999999999999', '-1', '007', '1.5', '9223372036854775808'),
    hostileString.map((s) => s.slice(0, 100)),
  );
  return fc
    .oneof(fc.array(part, { maxLength: 6 }), part, fc.object({ maxDepth: 2 }))
    .map((value) => Buffer.from(serializeReport(value)).toString('base64url'));
}
