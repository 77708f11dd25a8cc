import { describe, expect, it } from 'vitest';
import { scmProviders } from '../types.ts';
import { createProvider, defaultBaseUrl, normalizeRepository } from './index.ts';

describe('providers', () => {
  it('creates each provider with its limits', () => {
    for (const name of scmProviders) {
      const repository = name === 'azure' ? 'org/project/repo' : 'group/repo';
      const provider = createProvider(name, {
        baseUrl: defaultBaseUrl(name),
        repository,
        token: 't',
        timeoutMs: 1,
      });
      expect(provider.name).toBe(name);
    }
    expect(defaultBaseUrl('gitlab')).toBe('https://gitlab.com/api/v4');
  });

  it('validates repository shapes', () => {
    expect(normalizeRepository('github', 'octo/repo')).toBeNull();
    expect(normalizeRepository('github', 'octo/repo/extra')).toMatch(/owner\/repo/);
    expect(normalizeRepository('github', 'octo')).toMatch(/owner\/repo/);
    expect(normalizeRepository('github', 'octo /repo')).not.toBeNull();
    expect(normalizeRepository('gitlab', 'group/sub/project')).toBeNull();
    expect(normalizeRepository('gitlab', 'project')).not.toBeNull();
    expect(normalizeRepository('gitlab', 'group//project')).toMatch(/empty/);
    expect(normalizeRepository('gitlab', 'group/../project')).not.toBeNull();
    expect(normalizeRepository('azure', 'org/My Project/repo')).toBeNull();
    expect(normalizeRepository('azure', 'org/project')).toMatch(
      /organization\/project\/repository/,
    );
    expect(normalizeRepository('azure', 'org/p/r?x')).not.toBeNull();
  });
});
