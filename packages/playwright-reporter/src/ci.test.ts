import { liveCiSchema } from '@flackyness/shared/ingest';
import { describe, expect, it } from 'vitest';
import { detectCi, repositoryFromUrl } from './ci.ts';
import type { Env, ReadFile } from './ci.ts';

const noFile: ReadFile = () => {
  throw new Error('ENOENT');
};

function detect(env: Env, readFile: ReadFile = noFile) {
  const ci = detectCi(env, readFile);
  // Whatever is detected, the server's schema takes it.
  liveCiSchema.parse(ci);
  return ci;
}

describe('detectCi', () => {
  it('GitHub Actions, push: run id without attempt, GITHUB_SHA, the run page', () => {
    expect(
      detect(
        {
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/web',
          GITHUB_REF_NAME: 'main',
          GITHUB_HEAD_REF: '',
          GITHUB_SHA: 'a'.repeat(40),
          GITHUB_RUN_ID: '123456',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_JOB: 'e2e',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_EVENT_PATH: '/tmp/event.json',
        },
        () => JSON.stringify({ ref: 'refs/heads/main' }),
      ),
    ).toEqual({
      provider: 'github',
      repository: 'acme/web',
      branch: 'main',
      commit: 'a'.repeat(40),
      runUrl: 'https://github.com/acme/web/actions/runs/123456',
      pipeline: '123456',
      job: 'e2e',
    });
  });

  it("GitHub Actions, pull request: the PR's head commit and number from the event payload", () => {
    const read: ReadFile = (path) => {
      expect(path).toBe('/home/runner/work/_temp/_github_workflow/event.json');
      return JSON.stringify({ pull_request: { number: 42, head: { sha: 'b'.repeat(40) } } });
    };
    expect(
      detect(
        {
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/web',
          GITHUB_REF_NAME: '42/merge',
          GITHUB_HEAD_REF: 'feature/x',
          GITHUB_SHA: 'c'.repeat(40),
          GITHUB_RUN_ID: '99',
          GITHUB_JOB: 'test',
          GITHUB_SERVER_URL: 'https://ghe.example.com',
          GITHUB_EVENT_PATH: '/home/runner/work/_temp/_github_workflow/event.json',
        },
        read,
      ),
    ).toEqual({
      provider: 'github',
      repository: 'acme/web',
      branch: 'feature/x',
      commit: 'b'.repeat(40),
      pr: '42',
      runUrl: 'https://ghe.example.com/acme/web/actions/runs/99',
      pipeline: '99',
      job: 'test',
    });
  });

  it('GitHub Actions with an unreadable payload falls back to GITHUB_SHA', () => {
    expect(
      detect({ GITHUB_ACTIONS: 'true', GITHUB_SHA: 'd'.repeat(40), GITHUB_EVENT_PATH: '/nope' }),
    ).toMatchObject({ provider: 'github', commit: 'd'.repeat(40) });
  });

  const gitlab: Env = {
    GITLAB_CI: 'true',
    CI_PROJECT_PATH: 'group/sub/app',
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_SHA: 'e'.repeat(40),
    CI_PIPELINE_ID: '1001',
    CI_JOB_NAME: 'e2e 1/4',
    CI_JOB_URL: 'https://gitlab.example.com/group/sub/app/-/jobs/5',
    CI_PIPELINE_URL: 'https://gitlab.example.com/group/sub/app/-/pipelines/1001',
  };

  it('GitLab CI: the same fields as the README upload snippet', () => {
    expect(detect(gitlab)).toEqual({
      provider: 'gitlab',
      repository: 'group/sub/app',
      branch: 'main',
      commit: 'e'.repeat(40),
      runUrl: 'https://gitlab.example.com/group/sub/app/-/jobs/5',
      pipeline: '1001',
      job: 'e2e 1/4',
    });
  });

  it('GitLab CI, merge request pipeline: the source branch and the MR iid', () => {
    expect(
      detect({
        ...gitlab,
        CI_COMMIT_REF_NAME: 'refs/merge-requests/7/head',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/y',
        CI_MERGE_REQUEST_IID: '7',
        CI_JOB_URL: '',
      }),
    ).toMatchObject({
      branch: 'feature/y',
      pr: '7',
      runUrl: 'https://gitlab.example.com/group/sub/app/-/pipelines/1001',
    });
  });

  it("GitLab CI, merged-results pipeline: the merge request's head commit, not the merge", () => {
    expect(
      detect({
        ...gitlab,
        CI_MERGE_REQUEST_IID: '7',
        CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: 'f'.repeat(40),
      }),
    ).toMatchObject({ commit: 'f'.repeat(40), pr: '7' });
    expect(detect({ ...gitlab, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: '' })).toMatchObject({
      commit: 'e'.repeat(40),
    });
  });

  it('Azure Pipelines, branch build', () => {
    expect(
      detect({
        TF_BUILD: 'True',
        BUILD_BUILDID: '321',
        SYSTEM_JOBNAME: 'Job',
        AGENT_JOBNAME: 'Agent job',
        BUILD_SOURCEBRANCH: 'refs/heads/release/1.2',
        BUILD_SOURCEVERSION: 'f'.repeat(40),
        BUILD_REPOSITORY_NAME: 'acme/web',
        SYSTEM_COLLECTIONURI: 'https://dev.azure.com/acme/',
        SYSTEM_TEAMPROJECT: 'Web App',
      }),
    ).toEqual({
      provider: 'azure',
      repository: 'acme/web',
      branch: 'release/1.2',
      commit: 'f'.repeat(40),
      runUrl: 'https://dev.azure.com/acme/Web%20App/_build/results?buildId=321',
      pipeline: '321',
      job: 'Job',
    });
  });

  it('Azure Pipelines, pull request: source branch and commit, PR id', () => {
    expect(
      detect({
        TF_BUILD: 'True',
        BUILD_BUILDID: '322',
        AGENT_JOBNAME: 'Agent job',
        BUILD_SOURCEBRANCH: 'refs/pull/9/merge',
        BUILD_SOURCEVERSION: '1'.repeat(40),
        SYSTEM_PULLREQUEST_PULLREQUESTID: '9',
        SYSTEM_PULLREQUEST_SOURCEBRANCH: 'refs/heads/feature/z',
        SYSTEM_PULLREQUEST_SOURCECOMMITID: '2'.repeat(40),
      }),
    ).toMatchObject({
      branch: 'feature/z',
      commit: '2'.repeat(40),
      pr: '9',
      pipeline: '322',
      job: 'Agent job',
    });
  });

  it('Jenkins, multibranch pull request', () => {
    expect(
      detect({
        JENKINS_URL: 'https://ci.example.com/',
        BUILD_NUMBER: '17',
        BUILD_TAG: 'jenkins-web-PR-5-17',
        JOB_NAME: 'web/PR-5',
        BRANCH_NAME: 'PR-5',
        CHANGE_BRANCH: 'feature/w',
        CHANGE_ID: '5',
        GIT_COMMIT: '3'.repeat(40),
        GIT_URL: 'https://github.com/acme/web.git',
        BUILD_URL: 'https://ci.example.com/job/web/job/PR-5/17/',
      }),
    ).toEqual({
      provider: 'jenkins',
      repository: 'acme/web',
      branch: 'feature/w',
      commit: '3'.repeat(40),
      pr: '5',
      runUrl: 'https://ci.example.com/job/web/job/PR-5/17/',
      pipeline: '17',
      job: 'web/PR-5',
    });
  });

  it('Jenkins, freestyle: GIT_BRANCH without its remote', () => {
    expect(
      detect({ JENKINS_HOME: '/var/jenkins', GIT_BRANCH: 'origin/main', BUILD_TAG: 'jenkins-x-3' }),
    ).toMatchObject({ provider: 'jenkins', branch: 'main', pipeline: 'jenkins-x-3' });
  });

  it('CircleCI: the PR number from its URL', () => {
    expect(
      detect({
        CIRCLECI: 'true',
        CIRCLE_WORKFLOW_ID: 'wf-uuid',
        CIRCLE_JOB: 'e2e',
        CIRCLE_BRANCH: 'feature/v',
        CIRCLE_SHA1: '4'.repeat(40),
        CIRCLE_PULL_REQUEST: 'https://github.com/acme/web/pull/88',
        CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/web/1234',
        CIRCLE_PROJECT_USERNAME: 'acme',
        CIRCLE_PROJECT_REPONAME: 'web',
      }),
    ).toEqual({
      provider: 'circleci',
      repository: 'acme/web',
      branch: 'feature/v',
      commit: '4'.repeat(40),
      pr: '88',
      runUrl: 'https://circleci.com/gh/acme/web/1234',
      pipeline: 'wf-uuid',
      job: 'e2e',
    });
  });

  it('Buildkite: step key before label, PR "false" is no PR', () => {
    const env: Env = {
      BUILDKITE: 'true',
      BUILDKITE_BUILD_ID: 'build-uuid',
      BUILDKITE_STEP_KEY: 'e2e',
      BUILDKITE_LABEL: ':playwright: E2E',
      BUILDKITE_BRANCH: 'main',
      BUILDKITE_COMMIT: '5'.repeat(40),
      BUILDKITE_PULL_REQUEST: 'false',
      BUILDKITE_BUILD_URL: 'https://buildkite.com/acme/web/builds/12',
      BUILDKITE_REPO: 'git@github.com:acme/web.git',
    };
    expect(detect(env)).toEqual({
      provider: 'buildkite',
      repository: 'acme/web',
      branch: 'main',
      commit: '5'.repeat(40),
      runUrl: 'https://buildkite.com/acme/web/builds/12',
      pipeline: 'build-uuid',
      job: 'e2e',
    });
    expect(detect({ ...env, BUILDKITE_STEP_KEY: '', BUILDKITE_PULL_REQUEST: '31' })).toMatchObject({
      job: ':playwright: E2E',
      pr: '31',
    });
  });

  it('anywhere else: local', () => {
    expect(detect({})).toEqual({ provider: 'local' });
  });

  it('FLACKYNESS_PIPELINE, _JOB, _BRANCH and _COMMIT override what is detected', () => {
    expect(
      detect({
        ...gitlab,
        FLACKYNESS_PIPELINE: 'p-1',
        FLACKYNESS_JOB: 'e2e',
        FLACKYNESS_BRANCH: 'b',
        FLACKYNESS_COMMIT: 'c',
      }),
    ).toMatchObject({ provider: 'gitlab', pipeline: 'p-1', job: 'e2e', branch: 'b', commit: 'c' });
    expect(detect({ FLACKYNESS_PIPELINE: ' 7 ', FLACKYNESS_JOB: '  ' })).toEqual({
      provider: 'local',
      pipeline: '7',
    });
  });

  it('trims values, caps them at the contract lengths, and drops a PR that is not a number', () => {
    const ci = detect({
      ...gitlab,
      CI_COMMIT_REF_NAME: `  ${'b'.repeat(300)}  `,
      CI_COMMIT_SHA: 'x'.repeat(100),
      CI_JOB_NAME: 'j'.repeat(256),
      CI_MERGE_REQUEST_IID: 'abc',
    });
    expect(ci.branch).toBe('b'.repeat(255));
    expect(ci.commit).toBe('x'.repeat(64));
    expect(ci.job).toHaveLength(255);
    expect(ci.pr).toBeUndefined();
  });
});

describe('repositoryFromUrl', () => {
  it('reads owner/name from https and ssh remotes', () => {
    expect(repositoryFromUrl('https://github.com/acme/web.git')).toBe('acme/web');
    expect(repositoryFromUrl('git@gitlab.com:group/sub/app.git')).toBe('group/sub/app');
    expect(repositoryFromUrl('ssh://git@host:22/acme/web')).toBe('acme/web');
    expect(repositoryFromUrl('weird')).toBe('weird');
  });
});
