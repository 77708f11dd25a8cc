import type { FlakyTestItem, Page } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { flakyView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ cookies, url, params }) => {
  const view = readView(url, flakyView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.project);
  const tests = await api.get<Page<FlakyTestItem>>(
    `/projects/${key}/flaky-tests`,
    toApiQuery(view),
  );
  return { view, tests, now: new Date().toISOString(), origin: url.origin };
};
