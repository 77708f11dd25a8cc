import { describe, expect, it } from 'vitest';
import {
  type ContractName,
  type ContractRequest,
  ContractViolation,
  checkRequest,
  contractOperations,
} from './contract.ts';

/** A request as a fake server would hand it over; JSON bodies get their content-type. */
function request(
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
): ContractRequest {
  const url = new URL(pathAndQuery, 'http://fake.test');
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers:
      body === undefined
        ? headers
        : { 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
  };
}

const SHA = '0123456789abcdef0123456789abcdef01234567';
const AZ = '/acme/widgets/_apis/git/repositories/repo-1';
const V = 'api-version=7.1';

/** One valid request per operation, keyed by operationId. */
const valid: Record<ContractName, Record<string, ContractRequest>> = {
  github: {
    'pulls/get': request('GET', '/repos/acme/widgets/pulls/12'),
    'issues/list-comments': request(
      'GET',
      '/repos/acme/widgets/issues/12/comments?per_page=100&page=2',
    ),
    'issues/create-comment': request('POST', '/repos/acme/widgets/issues/12/comments', {
      body: 'Flaky tests: 3',
    }),
    'issues/get-comment': request('GET', '/repos/acme/widgets/issues/comments/991'),
    'issues/update-comment': request('PATCH', '/repos/acme/widgets/issues/comments/991', {
      body: 'Flaky tests: 2',
    }),
    'repos/create-commit-status': request('POST', `/repos/acme/widgets/statuses/${SHA}`, {
      state: 'failure',
      target_url: 'https://flacky.example/runs/1',
      description: '2 flaky tests',
      context: 'flackyness',
    }),
    'users/get-authenticated': request('GET', '/user'),
  },
  gitlab: {
    getApiV4ProjectsIdMergeRequestsMergeRequestIid: request(
      'GET',
      '/api/v4/projects/group%2Fsub%2Fproject/merge_requests/7',
    ),
    getApiV4ProjectsIdMergeRequestsNoteableIdNotes: request(
      'GET',
      '/api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1&sort=asc',
    ),
    postApiV4ProjectsIdMergeRequestsNoteableIdNotes: request(
      'POST',
      '/api/v4/projects/42/merge_requests/7/notes',
      {
        body: 'Flaky tests: 3',
      },
    ),
    getApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: request(
      'GET',
      '/api/v4/projects/42/merge_requests/7/notes/55',
    ),
    putApiV4ProjectsIdMergeRequestsNoteableIdNotesNoteId: request(
      'PUT',
      '/api/v4/projects/42/merge_requests/7/notes/55',
      {
        body: 'Flaky tests: 2',
      },
    ),
    postApiV4ProjectsIdStatusesSha: request(
      'POST',
      `/api/v4/projects/group%2Fproject/statuses/${SHA}`,
      {
        state: 'success',
        name: 'flackyness',
        target_url: 'https://flacky.example/runs/1',
        description: null,
      },
    ),
    getApiV4User: request('GET', '/api/v4/user'),
  },
  azure: {
    'Pull Requests_Get Pull Request': request('GET', `${AZ}/pullRequests/12?${V}`),
    'Pull Request Threads_List': request('GET', `${AZ}/pullRequests/12/threads?${V}`),
    'Pull Request Threads_Create': request('POST', `${AZ}/pullRequests/12/threads?${V}`, {
      comments: [{ parentCommentId: 0, content: 'Flaky tests: 3', commentType: 'text' }],
      status: 'active',
    }),
    'Pull Request Threads_Get': request('GET', `${AZ}/pullRequests/12/threads/5?${V}`),
    'Pull Request Thread Comments_Update': request(
      'PATCH',
      `${AZ}/pullRequests/12/threads/5/comments/1?${V}`,
      {
        content: 'Flaky tests: 2',
      },
    ),
    'Pull Request Statuses_Create': request('POST', `${AZ}/pullRequests/12/statuses?${V}`, {
      state: 'failed',
      description: '2 flaky tests',
      context: { name: 'flackyness', genre: 'tests' },
      targetUrl: 'https://flacky.example/runs/1',
    }),
    Statuses_Create: request('POST', `${AZ}/commits/${SHA}/statuses?${V}`, {
      state: 'succeeded',
      context: { name: 'flackyness', genre: 'tests' },
    }),
  },
};

/** The ContractViolation message `fn` throws (fails the test when it throws nothing else). */
function violation(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ContractViolation);
    return (error as Error).message;
  }
  throw new Error('expected a ContractViolation');
}

describe('SCM contracts', () => {
  for (const contract of ['github', 'gitlab', 'azure'] as const) {
    it(`${contract}: a valid request for every operation passes, and every operation is covered`, () => {
      const ids = contractOperations(contract).map((op) => op.operationId);
      expect(ids.length).toBeGreaterThanOrEqual(7);
      expect(Object.keys(valid[contract]).sort()).toEqual([...ids].sort());
      for (const [operationId, req] of Object.entries(valid[contract])) {
        expect(checkRequest(contract, req).operationId).toBe(operationId);
      }
    });
  }

  it('decodes path parameters, keeping an encoded GitLab project path as one parameter', () => {
    const match = checkRequest(
      'gitlab',
      valid.gitlab['getApiV4ProjectsIdMergeRequestsMergeRequestIid']!,
    );
    expect(match.pathParams).toEqual({ id: 'group/sub/project', merge_request_iid: '7' });
  });

  it('strips a base path (GitHub Enterprise Server serves the API under /api/v3)', () => {
    const match = checkRequest('github', request('GET', '/api/v3/repos/acme/widgets/pulls/12'), {
      basePath: '/api/v3',
    });
    expect(match).toEqual({
      operationId: 'pulls/get',
      pathParams: { owner: 'acme', repo: 'widgets', pull_number: '12' },
    });
    expect(
      violation(() =>
        checkRequest('github', request('GET', '/repos/acme/widgets/pulls/12'), {
          basePath: '/api/v3',
        }),
      ),
    ).toMatch(/base path '\/api\/v3'/);
  });

  it('matches Azure literals case-insensitively, as Azure routes do', () => {
    expect(
      checkRequest('azure', request('GET', `${AZ}/pullrequests/12/threads?${V}`)).operationId,
    ).toBe('Pull Request Threads_List');
  });

  it('rejects a wrong method, naming the operations the path has', () => {
    const message = violation(() =>
      checkRequest(
        'github',
        request('PUT', '/repos/acme/widgets/issues/comments/991', { body: 'x' }),
      ),
    );
    expect(message).toMatch(/method PUT/);
    expect(message).toMatch(/GET \(issues\/get-comment\)/);
    expect(message).toMatch(/PATCH \(issues\/update-comment\)/);
  });

  it('rejects an unknown path', () => {
    expect(
      violation(() => checkRequest('github', request('GET', '/repos/acme/widgets/pulls/12/files'))),
    ).toMatch(/no operation of the github contract matches/);
  });

  it('rejects a GitHub comment without its required body field', () => {
    const message = violation(() =>
      checkRequest(
        'github',
        request('POST', '/repos/acme/widgets/issues/12/comments', { text: 'Flaky tests: 3' }),
      ),
    );
    expect(message).toMatch(/issues\/create-comment/);
    expect(message).toMatch(/missing required property 'body'/);
  });

  it('rejects a GitHub commit status with a state outside the enum, and says which values are allowed', () => {
    const message = violation(() =>
      checkRequest(
        'github',
        request('POST', `/repos/acme/widgets/statuses/${SHA}`, {
          state: 'passed',
          context: 'flackyness',
        }),
      ),
    );
    expect(message).toMatch(/repos\/create-commit-status/);
    expect(message).toMatch(/body\/state/);
    expect(message).toMatch(/"error","failure","pending","success"/);
  });

  it('reports every problem of a request at once', () => {
    const message = violation(() =>
      checkRequest(
        'gitlab',
        request('POST', `/api/v4/projects/42/statuses/${SHA}`, {
          state: 'passed',
          coverage: 'high',
        }),
      ),
    );
    expect(message).toMatch(/body\/state/);
    expect(message).toMatch(/body\/coverage/);
  });

  it('rejects a JSON body sent without content-type application/json', () => {
    const req = request(
      'POST',
      '/repos/acme/widgets/issues/12/comments',
      { body: 'x' },
      { 'content-type': 'text/plain' },
    );
    expect(violation(() => checkRequest('github', req))).toMatch(
      /content-type is 'text\/plain', expected 'application\/json'/,
    );
  });

  it('rejects a body on an operation that takes none, and a missing required body', () => {
    expect(violation(() => checkRequest('github', request('GET', '/user', { x: 1 })))).toMatch(
      /takes no request body/,
    );
    expect(
      violation(() =>
        checkRequest('github', request('POST', '/repos/acme/widgets/issues/12/comments')),
      ),
    ).toMatch(/missing required request body/);
  });

  it('checks query parameter types', () => {
    expect(
      violation(() =>
        checkRequest(
          'github',
          request('GET', '/repos/acme/widgets/issues/12/comments?per_page=many'),
        ),
      ),
    ).toMatch(/query parameter 'per_page'/);
  });

  it('rejects an Azure request without api-version, or with another version than the description', () => {
    expect(
      violation(() => checkRequest('azure', request('GET', `${AZ}/pullRequests/12/threads`))),
    ).toMatch(/missing required query parameter 'api-version'/);
    expect(
      violation(() =>
        checkRequest('azure', request('GET', `${AZ}/pullRequests/12/threads?api-version=6.0`)),
      ),
    ).toMatch(/'api-version' is '6.0', the description asks for '7.1'/);
  });

  it('rejects an unencoded GitLab project path, pointing at %2F', () => {
    const message = violation(() =>
      checkRequest('gitlab', request('GET', '/api/v4/projects/group/sub/project/merge_requests/7')),
    );
    expect(message).toMatch(/no operation of the gitlab contract matches/);
    expect(message).toMatch(/%2F/);
  });

  it('rejects a non-numeric GitLab merge request iid', () => {
    expect(
      violation(() =>
        checkRequest('gitlab', request('GET', '/api/v4/projects/42/merge_requests/abc')),
      ),
    ).toMatch(/path parameter 'merge_request_iid'/);
  });
});
