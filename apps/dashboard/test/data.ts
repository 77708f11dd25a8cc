import { inject } from 'vitest';
import { callApi } from './api';

/** Reads the seeded data through the API, so tests open pages of records that exist. */
export function readApi<T>(route: string, token = inject('adminToken')): Promise<T> {
  return callApi<T>(inject('baseUrl'), token, 'GET', `/api/v1${route}`);
}

export interface DemoIds {
  flakyTestId: string;
  shardedRunId: string;
}

export async function demoIds(): Promise<DemoIds> {
  const flaky = await readApi<{ items: { testId: string }[] }>(
    '/projects/demo/flaky-tests?limit=1',
  );
  const runs = await readApi<{ items: { id: string; parts: number }[] }>(
    '/projects/demo/runs?limit=100',
  );
  const flakyTestId = flaky.items[0]?.testId;
  const sharded = runs.items.find((run) => run.parts > 1) ?? runs.items[0];
  if (!flakyTestId || !sharded) throw new Error('the demo project has no flaky test or no run');
  return { flakyTestId, shardedRunId: sharded.id };
}
