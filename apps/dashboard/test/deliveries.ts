import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunDelivery, RunDetail } from '@flackyness/shared/api';
import { seedPull } from '../../api/test/scm-fakes/core.ts';
import { startFakeGithub, type FakeGithub } from '../../api/test/scm-fakes/github.ts';
import { callApi } from './api';

/**
 * Pull request summaries for the browser tests: a fake GitHub (every request checked against
 * GitHub's published contract) that the "Other team" project is connected to, one upload whose
 * commit is its PR's head (the summary is posted) and one whose commit is not (it is skipped).
 */

export const GITHUB_TOKEN = 'ghp_dashboard_browser_tests_0123456789';
export const REPOSITORY = 'acme/shop';
export const DELIVERED_PR = 7;
export const SKIPPED_PR = 8;
export const DELIVERED_SHA = '7a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
export const SKIPPED_SHA = '8b2c3d4e5f60718293a4b5c6d7e8f90123456789';
export const SKIPPED_HEAD = '9c3d4e5f60718293a4b5c6d7e8f9012345678901';

/** What the specs are given about the deliveries (ProvidedContext). */
export interface DeliveriesSeed {
  deliveredRunId: string;
  skippedRunId: string;
  /** The html_url of the comment the fake holds on the delivered PR. */
  commentUrl: string;
  /** The contract violations the fake recorded once both deliveries settled. */
  violations: string[];
  commentsOnDelivered: number;
  commentsOnSkipped: number;
  statuses: { sha: string; state: string }[];
}

export function startGithub(): Promise<FakeGithub> {
  return startFakeGithub({ token: GITHUB_TOKEN });
}

type Upload = (report: unknown, fields: Record<string, string>) => Promise<{ run: { id: string } }>;

export async function seedDeliveries(options: {
  baseUrl: string;
  adminToken: string;
  slug: string;
  fake: FakeGithub;
  fixtureReports: string;
  upload: Upload;
}): Promise<DeliveriesSeed> {
  const { baseUrl, adminToken, slug, fake } = options;
  await callApi(baseUrl, adminToken, 'PUT', `/api/v1/admin/projects/${slug}/integrations/github`, {
    token: GITHUB_TOKEN,
    baseUrl: fake.baseUrl,
    repository: REPOSITORY,
  });
  seedPull(fake.state, REPOSITORY, { number: DELIVERED_PR, headSha: DELIVERED_SHA });
  seedPull(fake.state, REPOSITORY, { number: SKIPPED_PR, headSha: SKIPPED_HEAD });

  const uploadFor = async (name: string, pr: number, commit: string, bump: number) => {
    const report = JSON.parse(
      await readFile(path.join(options.fixtureReports, `${name}.json`), 'utf8'),
    ) as { stats: { duration: number } };
    // The same bytes again would be the same upload: this one differs from the seeded ones.
    report.stats.duration += bump;
    const { run } = await options.upload(report, {
      branch: `feature/${pr}`,
      commit,
      pr: String(pr),
      pipeline: `pr-${pr}`,
      // Not "e2e": the security spec opens the first run of that job in this project.
      job: 'checks',
      ciProvider: 'github',
    });
    return run.id;
  };
  const deliveredRunId = await uploadFor('basic', DELIVERED_PR, DELIVERED_SHA, 1);
  const skippedRunId = await uploadFor('all-pass', SKIPPED_PR, SKIPPED_SHA, 2);

  const delivered = await settled(baseUrl, adminToken, deliveredRunId);
  const skipped = await settled(baseUrl, adminToken, skippedRunId);
  if (delivered.state !== 'delivered' || skipped.state !== 'skipped') {
    throw new Error(
      `deliveries: expected delivered and skipped, got ${JSON.stringify([delivered, skipped])}`,
    );
  }
  const [comment] = fake.commentsOf(REPOSITORY, DELIVERED_PR);
  if (!comment) throw new Error('deliveries: the fake holds no comment');
  return {
    deliveredRunId,
    skippedRunId,
    commentUrl: `https://github.example/${REPOSITORY}/pull/${DELIVERED_PR}#issuecomment-${comment.id}`,
    violations: [...fake.violations],
    commentsOnDelivered: fake.commentsOf(REPOSITORY, DELIVERED_PR).length,
    commentsOnSkipped: fake.commentsOf(REPOSITORY, SKIPPED_PR).length,
    statuses: (fake.state.repos.get(REPOSITORY)?.statuses ?? []).map((s) => ({
      sha: s.sha ?? '',
      state: s.state,
    })),
  };
}

/** Polls the run until its one delivery is done (delivered, skipped or failed). */
async function settled(baseUrl: string, token: string, runId: string): Promise<RunDelivery> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const detail = await callApi<RunDetail>(baseUrl, token, 'GET', `/api/v1/runs/${runId}`);
    const [delivery] = detail.deliveries;
    if (delivery && ['delivered', 'skipped', 'failed'].includes(delivery.state)) return delivery;
    if (Date.now() > deadline) {
      throw new Error(`deliveries: run ${runId} did not settle: ${JSON.stringify(delivery)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
