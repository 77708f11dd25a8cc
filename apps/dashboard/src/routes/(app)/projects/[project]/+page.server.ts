import type { Page, ProjectStats, Run, TrendDay } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { overviewView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

/** The calendar always shows the last 3 months, whatever the cards' window. */
const CALENDAR_DAYS = 91;

/** The runs in progress the overview shows (the runs page lists them all). */
const RUNNING_LIMIT = 5;

export const load: PageServerLoad = async ({ cookies, url, params, depends }) => {
  // The project's stream invalidates this when a run ends or an upload arrives.
  depends('flackyness:runs');
  const view = readView(url, overviewView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.project);
  const [stats, calendar, running] = await Promise.all([
    api.get<ProjectStats>(`/projects/${key}/stats`, toApiQuery(view)),
    api.get<{ trend: TrendDay[] }>(`/projects/${key}/trend`, {
      days: CALENDAR_DAYS,
      branch: view.branch,
    }),
    api.get<Page<Run>>(`/projects/${key}/runs`, { status: 'running', limit: RUNNING_LIMIT }),
  ]);
  return {
    view,
    stats,
    calendar: calendar.trend,
    running: running.items,
    origin: url.origin,
    now: new Date().toISOString(),
  };
};
