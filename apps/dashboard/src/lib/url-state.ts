/**
 * A view's state (filters, sort, window, page) lives in its URL, so any view can be shared and
 * reloaded. Each view declares its parameters; reading falls back to the default for a missing or
 * unknown value, and writing leaves defaults out so URLs stay short.
 */

export interface ParamSpec {
  /** The value when the URL has none (or one that is not allowed). */
  fallback: string;
  /** The allowed values; free text when absent. */
  values?: readonly string[];
  /** Free text: at most this many characters. */
  maxLength?: number;
  /** Whole numbers in [min, max]. */
  range?: readonly [number, number];
}

export type ViewSpec = Record<string, ParamSpec>;
export type ViewState<S extends ViewSpec> = { [K in keyof S]: string };

/** The page position: reset whenever anything else in the view changes. */
export const CURSOR = 'cursor';

function readParam(raw: string | null, spec: ParamSpec): string {
  if (raw === null) return spec.fallback;
  const value = raw.trim();
  if (spec.values) return spec.values.includes(value) ? value : spec.fallback;
  if (spec.range) {
    if (!/^\d{1,6}$/.test(value)) return spec.fallback;
    const number = Number(value);
    return number >= spec.range[0] && number <= spec.range[1] ? String(number) : spec.fallback;
  }
  return value.slice(0, spec.maxLength ?? 200);
}

export function readViewState<S extends ViewSpec>(params: URLSearchParams, spec: S): ViewState<S> {
  const state = {} as ViewState<S>;
  for (const key of Object.keys(spec) as (keyof S & string)[]) {
    state[key] = readParam(params.get(key), spec[key] as ParamSpec);
  }
  return state;
}

/**
 * The URL of the view with `changes` applied. Changing anything but the cursor goes back to the
 * first page: a cursor belongs to the ordering and filters it was made under.
 */
export function viewHref<S extends ViewSpec>(
  pathname: string,
  spec: S,
  state: ViewState<S>,
  changes: Partial<ViewState<S>> = {},
): string {
  const next = { ...state, ...changes };
  const movesPage = Object.keys(changes).some((key) => key !== CURSOR);
  if (movesPage && CURSOR in spec) (next as Record<string, string>)[CURSOR] = '';
  const search = new URLSearchParams();
  for (const key of Object.keys(spec)) {
    const value = (next as Record<string, string>)[key] ?? '';
    if (value !== '' && value !== (spec[key] as ParamSpec).fallback) search.set(key, value);
  }
  const text = search.toString();
  return text ? `${pathname}?${text}` : pathname;
}

/** The API query for a state: empty values left out. */
export function toApiQuery(state: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== ''));
}

/** Windows offered in every window filter; "" is the server's default window. */
export const WINDOW_CHOICES = [
  { value: '', label: 'Default window' },
  { value: '7', label: 'Last 7 days' },
  { value: '14', label: 'Last 14 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
] as const;

const days: ParamSpec = { fallback: '', range: [1, 365] };
const branch: ParamSpec = { fallback: '', maxLength: 255 };
const cursor: ParamSpec = { fallback: '', maxLength: 1000 };

export const overviewView = { days, branch } satisfies ViewSpec;

export const flakyView = {
  status: { fallback: 'active', values: ['active', 'resolved', 'all'] },
  sort: { fallback: 'flakeRate', values: ['flakeRate', 'lastSeen', 'title', 'runs'] },
  order: { fallback: '', values: ['', 'asc', 'desc'] },
  days,
  branch,
  q: { fallback: '', maxLength: 200 },
  limit: { fallback: '50', values: ['10', '25', '50', '100'] },
  cursor,
} satisfies ViewSpec;

export const runsView = {
  source: { fallback: '', values: ['', 'upload', 'live'] },
  status: {
    fallback: '',
    values: ['', 'passed', 'failed', 'interrupted', 'timedout', 'running', 'cancelled'],
  },
  branch,
  cursor,
} satisfies ViewSpec;

export const runView = {
  outcome: { fallback: '', values: ['', 'unexpected', 'flaky', 'skipped', 'expected'] },
  q: { fallback: '', maxLength: 200 },
  cursor,
} satisfies ViewSpec;

export const errorsView = { days, cursor } satisfies ViewSpec;

export const testView = { days, branch, cursor } satisfies ViewSpec;

/** The order a sort starts in when first chosen: biggest first, titles A→Z. */
export function defaultOrder(sort: string): 'asc' | 'desc' {
  return sort === 'title' ? 'asc' : 'desc';
}

/** The link a sortable column header points at: its sort, or the other order if already sorted. */
export function sortChange(
  state: { sort: string; order: string },
  column: string,
): { sort: string; order: string } {
  if (state.sort !== column) return { sort: column, order: '' };
  const current = state.order || defaultOrder(column);
  const flipped = current === 'asc' ? 'desc' : 'asc';
  return { sort: column, order: flipped === defaultOrder(column) ? '' : flipped };
}
