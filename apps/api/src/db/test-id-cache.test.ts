import { describe, expect, it } from 'vitest';
import { TestIdCache } from './test-id-cache.ts';

describe('TestIdCache', () => {
  it('returns only the remembered ids of the project asked for', () => {
    const cache = new TestIdCache();
    cache.remember(
      '1',
      new Map([
        ['a', '10'],
        ['b', '11'],
      ]),
    );
    cache.remember('2', new Map([['a', '20']]));
    expect(cache.lookup('1', ['a', 'c'])).toEqual(new Map([['a', '10']]));
    expect(cache.lookup('2', ['a', 'b'])).toEqual(new Map([['a', '20']]));
    expect(cache.lookup('3', ['a']).size).toBe(0);
  });

  it('drops the least recently used projects past its capacity', () => {
    const cache = new TestIdCache(3);
    cache.remember(
      '1',
      new Map([
        ['a', '10'],
        ['b', '11'],
      ]),
    );
    cache.remember('2', new Map([['a', '20']]));
    cache.lookup('1', ['a']);
    cache.remember('3', new Map([['a', '30']]));
    expect(cache.lookup('2', ['a']).size).toBe(0);
    expect(cache.lookup('1', ['a', 'b']).size).toBe(2);
    expect(cache.lookup('3', ['a']).size).toBe(1);
  });

  it('forgets a deleted project', () => {
    const cache = new TestIdCache();
    cache.remember('1', new Map([['a', '10']]));
    cache.forget('1');
    expect(cache.lookup('1', ['a']).size).toBe(0);
  });
});
