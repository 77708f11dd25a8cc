import type { HistoryEntry, Page, TestDetail, TestErrorGroup } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import { readView } from '$lib/server/view';
import { testView, toApiQuery } from '$lib/url-state';
import type { PageServerLoad } from './$types';

/** Recent results listed (and drawn) per page. */
const HISTORY_PAGE = 100;

export const load: PageServerLoad = async ({ cookies, url, params }) => {
  const view = readView(url, testView);
  const api = apiReader(cookies, url);
  const key = encodeURIComponent(params.testId);
  const window = toApiQuery({ days: view.days, branch: view.branch });
  const [detail, history, errors] = await Promise.all([
    api.get<TestDetail>(`/tests/${key}`, window),
    api.get<Page<HistoryEntry>>(`/tests/${key}/history`, {
      ...window,
      cursor: view.cursor,
      limit: HISTORY_PAGE,
    }),
    api.get<Page<TestErrorGroup>>(`/tests/${key}/errors`, window),
  ]);
  return {
    view,
    ...detail,
    history,
    errors: errors.items,
    projectId: detail.test.projectId,
    now: new Date().toISOString(),
  };
};
