import type { Page, RunDetail, RunResult } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { runView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async ({ cookies, url, params }) => {
  const view = readView(url, runView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.runId);
  const [detail, results] = await Promise.all([
    api.get<RunDetail>(`/runs/${key}`),
    api.get<Page<RunResult>>(`/runs/${key}/results`, { ...toApiQuery(view), limit: PAGE_SIZE }),
  ]);
  return {
    view,
    run: detail.run,
    parts: detail.parts,
    deliveries: detail.deliveries,
    results,
    projectId: detail.run.projectId,
    now: new Date().toISOString(),
  };
};
