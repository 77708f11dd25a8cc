import { describe, expect, it } from 'vitest';
import { escapeRegExp, grepInvertPattern } from './quarantine.ts';

/** The quarantine's --grep-invert pattern against the strings Playwright matches it with. */

describe('quarantine --grep-invert pattern', () => {
  /** The string Playwright matches --grep against (TestCase._grepTitleWithTags in 1.65): the
   *  root suite's empty title, project, file, describe titles each followed by the describe's
   *  `tag` option, the title, then the test's own tags. */
  function grepTitle(project: string, file: string, titles: string[], tags: string[] = []) {
    return ['', project, file, ...titles, ...tags].join(' ');
  }
  const matches = (pattern: string | null, title: string) =>
    pattern !== null && new RegExp(pattern).test(title);
  const pay = { projectName: 'alpha', file: 'serial.spec.ts', titlePath: ['checkout flow', 'pay'] };
  const login = { projectName: 'alpha', file: 'auth/login.spec.ts', titlePath: ['login'] };

  it('is null with nothing to leave out', () => {
    expect(grepInvertPattern([])).toBeNull();
  });

  it('escapes every regular-expression character', () => {
    const title = 'a.b*c+d?e^f$g{1}(h)|i[j]\\k/l-m';
    expect(new RegExp(`^${escapeRegExp(title)}$`).test(title)).toBe(true);
    const target = {
      projectName: 'chromium (hi-dpi)',
      file: 'a.spec.ts',
      titlePath: ['suite (v2)', title],
    };
    const pattern = grepInvertPattern([target]);
    expect(
      matches(pattern, grepTitle('chromium (hi-dpi)', 'a.spec.ts', ['suite (v2)', title])),
    ).toBe(true);
    const near = 'aXb*c+d?e^f$g{1}(h)|i[j]\\k/l-m';
    expect(
      matches(pattern, grepTitle('chromium (hi-dpi)', 'a.spec.ts', ['suite (v2)', near])),
    ).toBe(false);
    expect(
      matches(pattern, grepTitle('chromium (hi-dpi)', 'aXspec.ts', ['suite (v2)', title])),
    ).toBe(false);
    expect(matches(pattern, grepTitle('chromium hi-dpi', 'a.spec.ts', ['suite (v2)', title]))).toBe(
      false,
    );
  });

  it('matches the tests as Playwright names them: project, file, describes, title, tags', () => {
    const deep = {
      projectName: 'beta',
      file: 'nested/deep.spec.ts',
      titlePath: ['outer @regression', 'inner', 'deep test'],
    };
    const tagged = {
      projectName: 'alpha',
      file: 'basics.spec.ts',
      titlePath: ['tagged with details'],
    };
    const cart = {
      projectName: 'alpha',
      file: 'cart.spec.ts',
      titlePath: ['cart', 'adds an item'],
    };
    const pattern = grepInvertPattern([pay, deep, tagged, cart]);
    expect(matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'pay']))).toBe(
      true,
    );
    expect(matches(pattern, grepTitle('beta', 'nested/deep.spec.ts', deep.titlePath))).toBe(true);
    expect(
      matches(pattern, grepTitle('alpha', 'basics.spec.ts', tagged.titlePath, ['@smoke', '@api'])),
    ).toBe(true);
    // A describe's `tag` option comes right after the describe's title.
    expect(
      matches(pattern, grepTitle('alpha', 'cart.spec.ts', ['cart', '@slow', 'adds an item'])),
    ).toBe(true);
    // Without the root suite's leading space (how --grep sees it when titles are joined alone).
    expect(
      matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'pay']).slice(1)),
    ).toBe(true);
    // Other tests of the same files, and the same tests in another project or file, stay in.
    expect(
      matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'confirm'])),
    ).toBe(false);
    expect(
      matches(
        pattern,
        grepTitle('beta', 'nested/deep.spec.ts', ['outer @regression', 'inner', 'sibling test']),
      ),
    ).toBe(false);
    expect(matches(pattern, grepTitle('beta', 'serial.spec.ts', ['checkout flow', 'pay']))).toBe(
      false,
    );
    expect(matches(pattern, grepTitle('alpha', 'nested/deep.spec.ts', deep.titlePath))).toBe(false);
    expect(matches(pattern, grepTitle('alpha', 'other.spec.ts', ['checkout flow', 'pay']))).toBe(
      false,
    );
  });

  it('does not match a test whose title merely contains or extends a quarantined one', () => {
    const pattern = grepInvertPattern([pay, login]);
    const file = login.file;
    expect(
      matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'prepay'])),
    ).toBe(false);
    expect(
      matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'pay later'])),
    ).toBe(false);
    expect(
      matches(pattern, grepTitle('alpha', 'serial.spec.ts', ['checkout flow', 'repay now'])),
    ).toBe(false);
    expect(matches(pattern, grepTitle('alpha', file, ['relogin']))).toBe(false);
    expect(matches(pattern, grepTitle('alpha', file, ['login with SSO'], ['@smoke']))).toBe(false);
    expect(matches(pattern, grepTitle('alpha', file, ['admin', 'login']))).toBe(false);
    // Tags after the title still match.
    expect(matches(pattern, grepTitle('alpha', file, ['login'], ['@smoke', '@api']))).toBe(true);
  });

  it('is the same pattern whatever the order and repetition of the tests', () => {
    expect(grepInvertPattern([login, pay, login])).toBe(grepInvertPattern([pay, login]));
  });
});
