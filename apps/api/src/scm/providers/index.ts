import type { CiProvider, ScmProviderName, ScmTarget } from '../types.ts';
import { AzureDevOpsProvider } from './azure.ts';
import { GithubProvider } from './github.ts';
import { GitlabProvider } from './gitlab.ts';

export function createProvider(name: ScmProviderName, target: ScmTarget): CiProvider {
  switch (name) {
    case 'github':
      return new GithubProvider(target);
    case 'gitlab':
      return new GitlabProvider(target);
    case 'azure':
      return new AzureDevOpsProvider(target);
  }
}

/** The cloud API base of each platform; self-hosted instances store their own. */
export function defaultBaseUrl(name: ScmProviderName): string {
  switch (name) {
    case 'github':
      return 'https://api.github.com';
    case 'gitlab':
      return 'https://gitlab.com/api/v4';
    case 'azure':
      return 'https://dev.azure.com';
  }
}

/** URL syntax no segment may hold, and `.`/`..`; Azure project names may have (inner) spaces. */
const badSegment = /[?#%\\\p{Cc}]|^\.{1,2}$/u;
const spaced = /^\s|\s$/;
const anySpace = /\s/;

/**
 * Why `value` is not a repository of that platform, or null when it is one: `owner/repo` (GitHub),
 * `group/sub/project` with at least two segments (GitLab), `organization/project/repository`
 * (Azure DevOps).
 */
export function normalizeRepository(name: ScmProviderName, value: string): string | null {
  if (value.length > 500) return 'Repository is too long';
  const segments = value.split('/');
  if (segments.some((s) => s === ''))
    return 'Repository has an empty segment (a leading, trailing or double slash)';
  if (segments.some((s) => badSegment.test(s) || spaced.test(s))) {
    return 'Repository has a segment with %, ?, #, a backslash or surrounding spaces, or one that is . or ..';
  }
  if (name !== 'azure' && anySpace.test(value)) return 'Repository has a space';
  switch (name) {
    case 'github':
      return segments.length === 2 ? null : 'A GitHub repository is owner/repo';
    case 'gitlab':
      return segments.length >= 2
        ? null
        : 'A GitLab project is group/project (subgroups allowed: group/sub/project)';
    case 'azure':
      return segments.length === 3
        ? null
        : 'An Azure DevOps repository is organization/project/repository';
  }
}
