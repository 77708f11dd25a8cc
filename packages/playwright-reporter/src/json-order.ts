import path from 'node:path';

/**
 * Where Playwright's JSON reporter puts each test, so that a live run stores the same results as
 * an upload of the same run's report. This follows `JSONReporter._mergeSuites` (playwright
 * lib/reporters/json.ts) step by step, including its mutations: the file suites of every project
 * are merged by file (in first-seen order); inside a file, describe suites merge by (title, file,
 * line, column) and specs by (title, file, line, column), a spec's tests appended in project order.
 */

/** The parts of Playwright's Suite and TestCase this reads (structural, for tests with fakes). */
export interface OrderLocation {
  file: string;
  line: number;
  column: number;
}
export interface OrderTest {
  id: string;
  title: string;
  location: OrderLocation;
}
export interface OrderSuite<T extends OrderTest = OrderTest> {
  title: string;
  location?: OrderLocation;
  suites: OrderSuite<T>[];
  tests: T[];
}

export interface JsonPlace {
  /** Index in a depth-first walk of the report: a suite's specs, then its child suites. */
  order: number;
  /** The id of the first test of the test's spec. */
  specId: string;
}

interface SerializedSpec<T> {
  title: string;
  file: string;
  line: number;
  column: number;
  tests: T[];
}
interface SerializedSuite<T> {
  title: string;
  file: string;
  line: number;
  column: number;
  specs: SerializedSpec<T>[];
  suites?: SerializedSuite<T>[];
}

function toPosix(file: string): string {
  return file.split(path.sep).join(path.posix.sep);
}

/** Whether this Playwright version merges a spec's tests across projects whatever the cwd. */
export function mergesSpecsByLocation(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => parseInt(part, 10) || 0);
  return major > 1 || (major === 1 && minor >= 65);
}

/**
 * `rootDir`, `version`: config.rootDir and config.version. `projectSuites`: the root suite's
 * children (one per project). Before 1.65 the JSON reporter compared a spec's already relative
 * file with `path.relative(rootDir, file)` again, which resolves it against the cwd: specs then
 * merge only when the cwd is rootDir. That is reproduced here, since it runs in the same process.
 */
export function computeJsonPlaces<T extends OrderTest>(
  rootDir: string,
  version: string,
  projectSuites: OrderSuite<T>[],
): Map<T, JsonPlace> {
  const legacySpecMatch = !mergesSpecsByLocation(version);
  const relative = (location: OrderLocation | undefined) =>
    location
      ? {
          file: toPosix(path.relative(rootDir, location.file)),
          line: location.line,
          column: location.column,
        }
      : { file: '', line: 0, column: 0 };

  const serializeSuite = (suite: OrderSuite<T>): SerializedSuite<T> | null => {
    const suites = suite.suites
      .map(serializeSuite)
      .filter((s): s is SerializedSuite<T> => s !== null);
    if (!suite.tests.length && !suites.length) return null;
    return {
      title: suite.title,
      ...relative(suite.location),
      specs: suite.tests.map((test) => ({
        title: test.title,
        ...relative(test.location),
        tests: [test],
      })),
      suites: suites.length ? suites : undefined,
    };
  };

  const locationMatches = (
    a: { file: string; line: number; column: number },
    b: { file: string; line: number; column: number },
  ) => a.file === b.file && a.line === b.line && a.column === b.column;

  const specMatches = (to: SerializedSpec<T>, from: SerializedSpec<T>) =>
    to.title === from.title &&
    (legacySpecMatch
      ? to.file === toPosix(path.relative(rootDir, from.file)) &&
        to.line === from.line &&
        to.column === from.column
      : locationMatches(to, from));

  const mergeTestsFromSuite = (to: SerializedSuite<T>, from: SerializedSuite<T>) => {
    for (const fromSuite of from.suites ?? []) {
      const toSuite = (to.suites ?? []).find(
        (s) => s.title === fromSuite.title && locationMatches(s, fromSuite),
      );
      if (toSuite) {
        mergeTestsFromSuite(toSuite, fromSuite);
      } else {
        to.suites ??= [];
        to.suites.push(fromSuite);
      }
    }
    for (const spec of from.specs) {
      const toSpec = to.specs.find((s) => specMatches(s, spec));
      if (toSpec) toSpec.tests.push(...spec.tests);
      else to.specs.push(spec);
    }
  };

  // Keyed by absolute file; a Map keeps the first-seen order, as Playwright's MultiMap does.
  const fileSuites = new Map<string, SerializedSuite<T>[]>();
  for (const projectSuite of projectSuites) {
    for (const fileSuite of projectSuite.suites) {
      const serialized = serializeSuite(fileSuite);
      if (!serialized) continue;
      const file = fileSuite.location?.file ?? '';
      const list = fileSuites.get(file);
      if (list) list.push(serialized);
      else fileSuites.set(file, [serialized]);
    }
  }

  const places = new Map<T, JsonPlace>();
  let order = 0;
  const walk = (suite: SerializedSuite<T>) => {
    for (const spec of suite.specs) {
      const specId = spec.tests[0]?.id ?? '';
      for (const test of spec.tests) {
        // A test appears once; the guard keeps the first place should a fake suite repeat one.
        if (!places.has(test)) places.set(test, { order, specId });
        order++;
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suites of fileSuites.values()) {
    const first = suites[0] as SerializedSuite<T>;
    const merged: SerializedSuite<T> = {
      title: first.title,
      file: first.file,
      line: 0,
      column: 0,
      specs: [],
    };
    for (const suite of suites) mergeTestsFromSuite(merged, suite);
    walk(merged);
  }
  return places;
}
