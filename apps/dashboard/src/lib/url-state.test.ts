import { describe, expect, it } from 'vitest';
import { flakyView, readViewState, sortChange, toApiQuery, viewHref } from './url-state';

const read = (search: string) => readViewState(new URLSearchParams(search), flakyView);

describe('URL state', () => {
  it('reads defaults for missing or unknown values', () => {
    expect(read('')).toEqual({
      status: 'active',
      sort: 'flakeRate',
      order: '',
      days: '',
      branch: '',
      q: '',
      limit: '50',
      cursor: '',
    });
    expect(read('sort=bogus&status=resolved&days=0&order=sideways').sort).toBe('flakeRate');
    expect(read('days=0').days).toBe('');
    expect(read('days=400').days).toBe('');
    expect(read('days=14').days).toBe('14');
    expect(read('days=1e3').days).toBe('');
    expect(read('status=resolved').status).toBe('resolved');
    expect(read(`q=${'x'.repeat(500)}`).q).toHaveLength(200);
  });

  it('writes only what differs from the defaults, and a filter change goes back to page one', () => {
    const state = read('status=all&cursor=abc&q=login');
    expect(viewHref('/projects/demo/flaky', flakyView, state)).toBe(
      '/projects/demo/flaky?status=all&q=login&cursor=abc',
    );
    expect(viewHref('/projects/demo/flaky', flakyView, state, { branch: 'main' })).toBe(
      '/projects/demo/flaky?status=all&branch=main&q=login',
    );
    expect(viewHref('/p', flakyView, state, { cursor: 'next' })).toBe(
      '/p?status=all&q=login&cursor=next',
    );
    expect(viewHref('/p', flakyView, read(''), { status: 'active' })).toBe('/p');
    expect(viewHref('/p', flakyView, read(''), { q: 'a&b=c' })).toBe('/p?q=a%26b%3Dc');
  });

  it('round-trips: reading a written URL gives the same state', () => {
    const state = read('status=resolved&sort=title&order=desc&days=7&branch=feat/x&q=cart');
    const href = viewHref('/p', flakyView, state);
    expect(read(href.split('?')[1] ?? '')).toEqual(state);
  });

  it('a sortable header picks its column, then flips the order', () => {
    expect(sortChange({ sort: 'flakeRate', order: '' }, 'title')).toEqual({
      sort: 'title',
      order: '',
    });
    expect(sortChange({ sort: 'title', order: '' }, 'title')).toEqual({
      sort: 'title',
      order: 'desc',
    });
    expect(sortChange({ sort: 'title', order: 'desc' }, 'title')).toEqual({
      sort: 'title',
      order: '',
    });
    expect(sortChange({ sort: 'runs', order: '' }, 'runs')).toEqual({ sort: 'runs', order: 'asc' });
  });

  it('leaves empty values out of the API query', () => {
    expect(toApiQuery({ a: '', b: 'x' })).toEqual({ b: 'x' });
  });
});
