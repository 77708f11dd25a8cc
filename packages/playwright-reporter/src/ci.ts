import type { CiProvider, LiveCi } from './protocol.ts';

/** The environment as the reporter reads it (process.env in production, a fixture in tests). */
export type Env = Record<string, string | undefined>;
/** Reads a file as UTF-8; throws when it cannot (GitHub's event payload). */
export type ReadFile = (path: string) => string;

/** The contract's length limits (packages/shared/src/ingest.ts, liveCiSchema). */
const LIMITS = {
  repository: 255,
  branch: 255,
  commit: 64,
  runUrl: 2048,
  pipeline: 255,
  job: 255,
} as const;

interface RawCi {
  provider: CiProvider;
  repository?: string | undefined;
  branch?: string | undefined;
  commit?: string | undefined;
  pr?: string | number | undefined;
  runUrl?: string | undefined;
  pipeline?: string | undefined;
  job?: string | undefined;
}

/** The first of the values that is set and not blank, trimmed. */
function first(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    const trimmed = value?.trim();
    if (trimmed) return trimmed;
  }
  return undefined;
}

function stripRefsHeads(branch: string | undefined): string | undefined {
  return branch?.replace(/^refs\/heads\//, '');
}

/** A pull request number as the contract takes it: digits only (1–10 of them). */
function prNumber(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  return /^\d{1,10}$/.test(text) ? text : undefined;
}

function detectGithub(env: Env, readFile: ReadFile): RawCi {
  // On pull_request events GITHUB_SHA is the merge commit GitHub made; the commit pushed is
  // the PR's head, which only the event payload names (the README's upload snippet uses it too).
  let headSha: string | undefined;
  let prNum: number | string | undefined;
  const eventPath = first(env.GITHUB_EVENT_PATH);
  if (eventPath) {
    try {
      const payload = JSON.parse(readFile(eventPath)) as {
        pull_request?: { number?: unknown; head?: { sha?: unknown } };
      };
      const sha = payload.pull_request?.head?.sha;
      if (typeof sha === 'string') headSha = sha;
      const number = payload.pull_request?.number;
      if (typeof number === 'number' || typeof number === 'string') prNum = number;
    } catch {
      // No payload (or not JSON): fall back to GITHUB_SHA.
    }
  }
  const server = first(env.GITHUB_SERVER_URL) ?? 'https://github.com';
  const repository = first(env.GITHUB_REPOSITORY);
  const runId = first(env.GITHUB_RUN_ID);
  return {
    provider: 'github',
    repository,
    branch: first(env.GITHUB_HEAD_REF, env.GITHUB_REF_NAME),
    commit: first(headSha, env.GITHUB_SHA),
    pr: prNum,
    runUrl: repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    // The run id without the attempt: a re-run replaces the earlier results of the same job.
    pipeline: runId,
    job: first(env.GITHUB_JOB),
  };
}

function detectGitlab(env: Env): RawCi {
  return {
    provider: 'gitlab',
    repository: first(env.CI_PROJECT_PATH),
    branch: first(env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, env.CI_COMMIT_REF_NAME),
    // In a merged-results pipeline CI_COMMIT_SHA is GitLab's merge; the MR's head is this one.
    commit: first(env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA, env.CI_COMMIT_SHA),
    pr: first(env.CI_MERGE_REQUEST_IID),
    runUrl: first(env.CI_JOB_URL, env.CI_PIPELINE_URL),
    pipeline: first(env.CI_PIPELINE_ID),
    job: first(env.CI_JOB_NAME),
  };
}

function detectAzure(env: Env): RawCi {
  const prId = first(env.SYSTEM_PULLREQUEST_PULLREQUESTID);
  const collection = first(env.SYSTEM_COLLECTIONURI);
  const project = first(env.SYSTEM_TEAMPROJECT);
  const buildId = first(env.BUILD_BUILDID);
  return {
    provider: 'azure',
    repository: first(env.BUILD_REPOSITORY_NAME),
    branch: stripRefsHeads(
      prId
        ? first(env.SYSTEM_PULLREQUEST_SOURCEBRANCH, env.BUILD_SOURCEBRANCH)
        : first(env.BUILD_SOURCEBRANCH),
    ),
    commit: prId
      ? first(env.SYSTEM_PULLREQUEST_SOURCECOMMITID, env.BUILD_SOURCEVERSION)
      : first(env.BUILD_SOURCEVERSION),
    pr: first(env.SYSTEM_PULLREQUEST_PULLREQUESTNUMBER, prId),
    runUrl:
      collection && project && buildId
        ? `${collection.replace(/\/+$/, '')}/${encodeURIComponent(project)}/_build/results?buildId=${buildId}`
        : undefined,
    pipeline: buildId,
    job: first(env.SYSTEM_JOBNAME, env.AGENT_JOBNAME),
  };
}

function detectJenkins(env: Env): RawCi {
  const gitUrl = first(env.GIT_URL);
  return {
    provider: 'jenkins',
    repository: gitUrl ? repositoryFromUrl(gitUrl) : undefined,
    branch: first(env.CHANGE_BRANCH, env.BRANCH_NAME, env.GIT_BRANCH)?.replace(/^origin\//, ''),
    commit: first(env.GIT_COMMIT),
    pr: first(env.CHANGE_ID),
    runUrl: first(env.BUILD_URL),
    pipeline: first(env.BUILD_NUMBER, env.BUILD_TAG),
    job: first(env.JOB_NAME),
  };
}

function detectCircle(env: Env): RawCi {
  const user = first(env.CIRCLE_PROJECT_USERNAME);
  const repo = first(env.CIRCLE_PROJECT_REPONAME);
  const prUrl = first(env.CIRCLE_PULL_REQUEST);
  return {
    provider: 'circleci',
    repository: user && repo ? `${user}/${repo}` : repo,
    branch: first(env.CIRCLE_BRANCH),
    commit: first(env.CIRCLE_SHA1),
    pr: first(env.CIRCLE_PR_NUMBER, prUrl?.match(/\/(\d+)\/?$/)?.[1]),
    runUrl: first(env.CIRCLE_BUILD_URL),
    pipeline: first(env.CIRCLE_WORKFLOW_ID),
    job: first(env.CIRCLE_JOB),
  };
}

function detectBuildkite(env: Env): RawCi {
  const repo = first(env.BUILDKITE_REPO);
  const pr = first(env.BUILDKITE_PULL_REQUEST);
  return {
    provider: 'buildkite',
    repository: repo ? repositoryFromUrl(repo) : undefined,
    branch: first(env.BUILDKITE_BRANCH),
    commit: first(env.BUILDKITE_COMMIT),
    pr: pr === 'false' ? undefined : pr,
    runUrl: first(env.BUILDKITE_BUILD_URL),
    pipeline: first(env.BUILDKITE_BUILD_ID),
    job: first(env.BUILDKITE_STEP_KEY, env.BUILDKITE_LABEL),
  };
}

/** `owner/name` from a git remote (https or scp-like ssh), else the remote as given. */
export function repositoryFromUrl(remote: string): string {
  const match = remote.match(/^(?:[a-z+]+:\/\/[^/]+\/|[^@/]+@[^:/]+:)(.+?)(?:\.git)?\/?$/i);
  return match?.[1] ?? remote;
}

function detectProvider(env: Env, readFile: ReadFile): RawCi {
  if (env.GITHUB_ACTIONS === 'true') return detectGithub(env, readFile);
  if (env.GITLAB_CI) return detectGitlab(env);
  if (env.TF_BUILD) return detectAzure(env);
  if (env.CIRCLECI) return detectCircle(env);
  if (env.BUILDKITE) return detectBuildkite(env);
  if (env.JENKINS_URL || env.JENKINS_HOME) return detectJenkins(env);
  return { provider: 'local' };
}

function cap(value: string | undefined, max: number): string | undefined {
  return value === undefined ? undefined : value.slice(0, max);
}

/**
 * The CI context sent at setup: the same branch, commit, pipeline and job the README's upload
 * snippets send for the same job, so a live run and an upload of that job are one run.
 * `FLACKYNESS_BRANCH`, `_COMMIT`, `_PIPELINE` and `_JOB` override what is detected.
 */
export function detectCi(env: Env, readFile: ReadFile): LiveCi {
  const raw = detectProvider(env, readFile);
  const ci: LiveCi = { provider: raw.provider };
  const fields = {
    repository: raw.repository,
    branch: first(env.FLACKYNESS_BRANCH, raw.branch),
    commit: first(env.FLACKYNESS_COMMIT, raw.commit),
    runUrl: raw.runUrl,
    pipeline: first(env.FLACKYNESS_PIPELINE, raw.pipeline),
    job: first(env.FLACKYNESS_JOB, raw.job),
  };
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const value = cap(first(fields[key]), LIMITS[key]);
    if (value !== undefined) ci[key] = value;
  }
  const pr = prNumber(raw.pr);
  if (pr !== undefined) ci.pr = pr;
  return ci;
}
