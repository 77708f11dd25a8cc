import type { ProjectStats, TrendDay } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { overviewView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

/** The calendar always shows the last 3 months, whatever the cards' window. */
const CALENDAR_DAYS = 91;

export const load: PageServerLoad = async ({ cookies, url, params }) => {
  const view = readView(url, overviewView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.project);
  const [stats, calendar] = await Promise.all([
    api.get<ProjectStats>(`/projects/${key}/stats`, toApiQuery(view)),
    api.get<{ trend: TrendDay[] }>(`/projects/${key}/trend`, {
      days: CALENDAR_DAYS,
      branch: view.branch,
    }),
  ]);
  return { view, stats, calendar: calendar.trend, origin: url.origin };
};
