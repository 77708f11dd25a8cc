import { describe, expect, it } from 'vitest';
import { TestIdCache } from './test-id-cache.ts';

describe('TestIdCache', () => {
  it('returns only the remembered ids of the project asked for, in the order asked', () => {
    const cache = new TestIdCache();
    cache.remember('1', ['a', 'b'], ['10', '11']);
    cache.remember('2', ['a'], ['20']);
    expect(cache.lookup('1', ['c', 'a', 'b'])).toEqual([undefined, '10', '11']);
    expect(cache.lookup('2', ['a', 'b'])).toEqual(['20', undefined]);
    expect(cache.lookup('3', ['a'])).toEqual([undefined]);
  });

  it('drops the least recently used projects past its capacity', () => {
    const cache = new TestIdCache(3);
    cache.remember('1', ['a', 'b'], ['10', '11']);
    cache.remember('2', ['a'], ['20']);
    cache.lookup('1', ['a']);
    cache.remember('3', ['a'], ['30']);
    expect(cache.lookup('2', ['a'])).toEqual([undefined]);
    expect(cache.lookup('1', ['a', 'b'])).toEqual(['10', '11']);
    expect(cache.lookup('3', ['a'])).toEqual(['30']);
  });

  it('does not count a key remembered twice twice', () => {
    const cache = new TestIdCache(2);
    cache.remember('1', ['a', 'b'], ['10', '11']);
    cache.remember('1', ['a', 'b'], ['10', '11']);
    cache.remember('2', ['a'], ['20']);
    // Over capacity only by project 2's entry: project 1 (least recent) is dropped, not 2.
    expect(cache.lookup('2', ['a'])).toEqual(['20']);
    expect(cache.lookup('1', ['a'])).toEqual([undefined]);
  });

  it('forgets a deleted project', () => {
    const cache = new TestIdCache();
    cache.remember('1', ['a'], ['10']);
    cache.forget('1');
    expect(cache.lookup('1', ['a'])).toEqual([undefined]);
  });
});
