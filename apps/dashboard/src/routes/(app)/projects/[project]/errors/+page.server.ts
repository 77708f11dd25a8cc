import type { ErrorGroup, Page } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { errorsView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ cookies, url, params }) => {
  const view = readView(url, errorsView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.project);
  const groups = await api.get<Page<ErrorGroup>>(`/projects/${key}/errors`, {
    ...toApiQuery(view),
    limit: PAGE_SIZE,
  });
  return { view, groups, now: new Date().toISOString() };
};
