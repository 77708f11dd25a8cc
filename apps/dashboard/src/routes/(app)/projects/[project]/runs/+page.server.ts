import type { Page, Run } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { runsView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ cookies, url, params, depends }) => {
  // The project's stream invalidates this when a run the page does not show yet appears.
  depends('flackyness:runs');
  const view = readView(url, runsView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.project);
  const runs = await api.get<Page<Run>>(`/projects/${key}/runs`, {
    ...toApiQuery(view),
    limit: PAGE_SIZE,
  });
  return { view, runs, now: new Date().toISOString(), origin: url.origin };
};
