import { describe, expect, it } from 'vitest';
import { FlipRateCache } from './flip-rate-cache.ts';

describe('FlipRateCache', () => {
  it('answers what it was given under the same key only', () => {
    const cache = new FlipRateCache();
    cache.store('p1|v1', new Map([['1', 0.5]]));
    expect(cache.lookup('p1|v1', ['1', '2'])).toEqual({
      known: new Map([['1', 0.5]]),
      missing: ['2'],
    });
    expect(cache.lookup('p1|v2', ['1'])).toEqual({ known: new Map(), missing: ['1'] });
  });

  it('adds to a key, and forgets the least recently used keys past its bound', () => {
    const cache = new FlipRateCache(3);
    cache.store('a', new Map([['1', 0]]));
    cache.store('a', new Map([['2', 0.1]]));
    cache.store('b', new Map([['1', 0.2]]));
    // "a" used last: "b" goes first.
    expect(cache.lookup('a', ['1', '2']).missing).toEqual([]);
    cache.store('c', new Map([['1', 0.3]]));
    expect(cache.lookup('b', ['1']).missing).toEqual(['1']);
    expect(cache.lookup('a', ['1', '2']).missing).toEqual([]);
    expect(cache.lookup('c', ['1']).known.get('1')).toBe(0.3);
  });

  it('keeps the key just stored even when it alone is over the bound', () => {
    const cache = new FlipRateCache(1);
    cache.store(
      'a',
      new Map([
        ['1', 0],
        ['2', 0],
      ]),
    );
    expect(cache.lookup('a', ['1', '2']).missing).toEqual([]);
  });
});
