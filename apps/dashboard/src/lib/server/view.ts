import { redirect } from '@sveltejs/kit';
import { readViewState, viewHref, type ViewSpec, type ViewState } from '$lib/url-state';

/**
 * A page's view state from its URL. A URL that says the same thing in other words (empty fields
 * from a GET form, defaults spelled out, unknown values) is redirected to its short form, so every
 * view has one address to share.
 */
export function readView<S extends ViewSpec>(url: URL, spec: S): ViewState<S> {
  const state = readViewState(url.searchParams, spec);
  const canonical = viewHref(url.pathname, spec, state);
  if (canonical !== url.pathname + url.search && url.search !== '') redirect(307, canonical);
  return state;
}
