import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeJsonPlaces, mergesSpecsByLocation } from './json-order.ts';
import type { OrderSuite, OrderTest } from './json-order.ts';

const root = path.resolve('/repo/tests');

const test = (
  id: string,
  file: string,
  line: number,
  title = `title@${line}`,
  dir = root,
): OrderTest => ({ id, title, location: { file: path.join(dir, file), line, column: 3 } });
function suite(
  title: string,
  file: string,
  line: number,
  children: (OrderSuite | OrderTest)[],
): OrderSuite {
  return {
    title,
    location: { file: path.join(root, file), line, column: 1 },
    suites: children.filter((c): c is OrderSuite => 'suites' in c),
    tests: children.filter((c): c is OrderTest => !('suites' in c)),
  };
}
const fileSuite = (file: string, children: (OrderSuite | OrderTest)[], dir = root) => ({
  ...suite(file, file, 0, children),
  location: { file: path.join(dir, file), line: 0, column: 0 },
});
const project = (files: OrderSuite[]): OrderSuite => ({ title: 'p', suites: files, tests: [] });

/** Test ids in report order, each with its spec's id. */
function layout(projects: OrderSuite[], version = '1.65.1', rootDir = root) {
  const places = computeJsonPlaces(rootDir, version, projects);
  return [...places.entries()]
    .sort((a, b) => a[1].order - b[1].order)
    .map(([t, place]) => `${t.id}<${place.specId}`);
}

describe('computeJsonPlaces', () => {
  it("merges a declaration's tests from every project into one spec, first project first", () => {
    const alpha = project([
      fileSuite('a.spec.ts', [
        test('a1', 'a.spec.ts', 1),
        suite('D', 'a.spec.ts', 3, [test('a2', 'a.spec.ts', 4)]),
      ]),
    ]);
    const beta = project([
      fileSuite('a.spec.ts', [
        test('b1', 'a.spec.ts', 1),
        suite('D', 'a.spec.ts', 3, [test('b2', 'a.spec.ts', 4)]),
      ]),
    ]);
    expect(layout([alpha, beta])).toEqual(['a1<a1', 'b1<a1', 'a2<a2', 'b2<a2']);
  });

  it('orders files as first seen across projects', () => {
    const alpha = project([fileSuite('b.spec.ts', [test('ab', 'b.spec.ts', 1)])]);
    const beta = project([
      fileSuite('a.spec.ts', [test('ba', 'a.spec.ts', 1)]),
      fileSuite('b.spec.ts', [test('bb', 'b.spec.ts', 1)]),
    ]);
    expect(layout([alpha, beta])).toEqual(['ab<ab', 'bb<ab', 'ba<ba']);
  });

  it('appends --repeat-each copies to the same spec', () => {
    const alpha = project([
      fileSuite('a.spec.ts', [test('r0', 'a.spec.ts', 1)]),
      fileSuite('a.spec.ts', [test('r1', 'a.spec.ts', 1)]),
    ]);
    expect(layout([alpha])).toEqual(['r0<r0', 'r1<r0']);
  });

  it("puts a suite's specs before its child suites, whatever the declaration order", () => {
    const alpha = project([
      fileSuite('a.spec.ts', [
        suite('first', 'a.spec.ts', 1, [test('inside', 'a.spec.ts', 2)]),
        test('after', 'a.spec.ts', 5),
      ]),
    ]);
    expect(layout([alpha])).toEqual(['after<after', 'inside<inside']);
  });

  it('keeps anonymous describes apart by location, and leaves empty suites out', () => {
    const alpha = project([
      fileSuite('a.spec.ts', [
        suite('', 'a.spec.ts', 1, [test('x', 'a.spec.ts', 2)]),
        suite('empty', 'a.spec.ts', 4, []),
        suite('', 'a.spec.ts', 6, [test('y', 'a.spec.ts', 7)]),
      ]),
    ]);
    const beta = project([
      fileSuite('a.spec.ts', [
        suite('', 'a.spec.ts', 1, [test('bx', 'a.spec.ts', 2)]),
        suite('', 'a.spec.ts', 6, [test('by', 'a.spec.ts', 7)]),
      ]),
    ]);
    expect(layout([alpha, beta])).toEqual(['x<x', 'bx<x', 'y<y', 'by<y']);
  });

  it('merges describes of one title declared at one place (a loop), as the JSON reporter does', () => {
    const alpha = project([
      fileSuite('a.spec.ts', [
        suite('loop', 'a.spec.ts', 1, [test('one', 'a.spec.ts', 2, 'one')]),
        suite('loop', 'a.spec.ts', 1, [test('two', 'a.spec.ts', 2, 'two')]),
        test('top', 'a.spec.ts', 9),
      ]),
    ]);
    expect(layout([alpha])).toEqual(['top<top', 'one<one', 'two<two']);
  });

  it('before 1.65, merges specs across projects only when the cwd is rootDir', () => {
    const projects = () => [
      project([fileSuite('a.spec.ts', [test('a1', 'a.spec.ts', 1)])]),
      project([fileSuite('a.spec.ts', [test('b1', 'a.spec.ts', 1)])]),
    ];
    expect(layout(projects(), '1.64.1', root)).toEqual(['a1<a1', 'b1<b1']);
    const cwd = process.cwd();
    const here = (id: string) =>
      project([fileSuite('a.spec.ts', [test(id, 'a.spec.ts', 1, 't', cwd)], cwd)]);
    expect(layout([here('a1'), here('b1')], '1.64.1', cwd)).toEqual(['a1<a1', 'b1<a1']);
  });
});

describe('mergesSpecsByLocation', () => {
  it('is true from 1.65 on', () => {
    expect(['1.65.0', '1.65.1', '1.66.0-next', '2.0.0'].map(mergesSpecsByLocation)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['1.64.1', '1.40.0', ''].map(mergesSpecsByLocation)).toEqual([false, false, false]);
  });
});
