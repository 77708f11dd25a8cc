import fc from 'fast-check';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMarkdown,
  inlineCode,
  link,
  safeUrl,
  truncateCodePoints,
} from './comment-markdown.ts';

/** What a GFM renderer makes of a line: the HTML, and its text with entities decoded. */
function render(markdown: string): { html: string; text: string } {
  const html = (marked.parse(markdown, { gfm: true, async: false }) as string).trim();
  const text = html
    .replace(/<\/?(p|code)>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    // The joiners placed after `@`, `#`, … are invisible where the text is shown.
    .replaceAll('\u200D', '');
  return { html, text };
}

const ZWJ = '\u200D';

describe('escapeMarkdown', () => {
  it.each([
    '<img src=x onerror=alert(1)>',
    '--> <!-- flackyness:v1 project=other -->',
    '[x](javascript:alert(1))',
    '| a | b |',
    '**bold** _em_ ~~strike~~ `code`',
    '# heading',
    '1. list',
    '- item',
    '+ item',
    '> quote',
    '\\ backslash \\',
    '![image](https://evil.example/x.png)',
    '&lt;b&gt; already an entity',
    '{curly} (round) [square]',
  ])('renders %s as that text, with no HTML', (title) => {
    const { html, text } = render(escapeMarkdown(title));
    expect(html.startsWith('<p>')).toBe(true);
    expect(html.slice(3, -4)).not.toMatch(/<[a-z!/]/i);
    expect(text).toBe(title);
  });

  it('never lets < or the marker prefix through', () => {
    const escaped = escapeMarkdown('--> <!-- flackyness:v1 project=p-1 -->');
    expect(escaped).not.toContain('<');
    expect(escaped).not.toContain('<!--');
    expect(escaped).not.toContain('-->');
  });

  it('keeps @mentions, #refs and GitLab references from matching', () => {
    const escaped = escapeMarkdown(
      '@everyone @org/team #1 !2 ~bug %v1 $3 &4 GH-5 user@example.com',
    );
    for (const pattern of [/@[a-z]/i, /#\d/, /!\d/, /~[a-z]/, /%v/, /\$\d/, /&\d/, /GH-\d/]) {
      expect(escaped).not.toMatch(pattern);
    }
    expect(escaped).toContain(`@${ZWJ}everyone`);
    expect(render(escaped).text).toBe(
      '@everyone @org/team #1 !2 ~bug %v1 $3 &4 GH-5 user@example.com',
    );
  });

  it('keeps a URL in a title from being auto-linked', () => {
    const { html } = render(escapeMarkdown('see https://evil.example/login'));
    expect(html).not.toContain('<a');
  });

  it('puts everything on one line and replaces control characters', () => {
    const escaped = escapeMarkdown('first\nsecond\r\nthird\u2028fourth\u0000fifth\u202Esixth');
    // eslint-disable-next-line no-control-regex -- NUL must be gone
    expect(escaped).not.toMatch(/[\n\r\u2028\u0000\u202E]/);
    expect(escaped).toBe('first second third fourth\uFFFDfifth\uFFFDsixth');
  });

  it('keeps emoji whole and replaces lone surrogates', () => {
    expect(escapeMarkdown('🎉 passes 👩‍💻')).toBe('🎉 passes 👩‍💻');
    expect(escapeMarkdown('broken \uD83D end \uFFFD')).toBe('broken \uFFFD end \uFFFD');
  });

  it('never emits <, a newline or the marker prefix, and keeps the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        const escaped = escapeMarkdown(text);
        expect(escaped).not.toContain('<');
        expect(escaped).not.toContain('<!--');
        expect(escaped).not.toMatch(/[\n\r]/);
        expect(escaped.isWellFormed()).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        expect(escapeMarkdown(text)).not.toContain('<');
      }),
      { numRuns: 500 },
    );
  });

  it('escapes 200 KB of hostile text in one pass (completes; no timing assertion)', () => {
    for (const unit of ['<!--', '\\`*_', '@a#1', '&&&&', 'a'.repeat(10) + '\n', '\uD83D']) {
      const text = unit.repeat(Math.ceil(200_000 / unit.length));
      const escaped = escapeMarkdown(text);
      expect(escaped.length).toBeGreaterThanOrEqual(text.length - 1);
      expect(escaped).not.toContain('<');
      expect(inlineCode(text)).not.toContain('<!--');
    }
  });
});

describe('inlineCode', () => {
  it.each([
    ['plain', '`plain`'],
    ['has `ticks` inside', '``has `ticks` inside``'],
    ['`starts', '`` `starts ``'],
    ['ends``', '``` ends`` ```'],
    ['', '` `'],
  ])('%j → %j', (text, expected) => {
    expect(inlineCode(text)).toBe(expected);
  });

  it('shows backticks, HTML and mentions verbatim', () => {
    for (const text of ['a ` b `` c', '<img src=x onerror=alert(1)>', '@everyone #1', '`x`']) {
      const { html, text: shown } = render(inlineCode(text));
      expect(html).toMatch(/^<p><code>/);
      expect(html).not.toContain('<img');
      expect(shown).toBe(text);
    }
  });

  it('breaks a <!-- with an invisible joiner and keeps one line', () => {
    const code = inlineCode('x <!-- flackyness:v1 -->\nnext');
    expect(code).not.toContain('<!--');
    expect(code).not.toContain('\n');
  });
});

describe('codeBlock', () => {
  it('fences longer than any backtick run inside', () => {
    const lines = codeBlock('one\n````\ntwo <!-- x');
    expect(lines[0]).toBe('`````');
    expect(lines.at(-1)).toBe('`````');
    expect(lines.join('\n')).not.toContain('<!--');
    const html = marked.parse(lines.join('\n'), { async: false }) as string;
    expect(html).toContain('<pre><code>one\n````\ntwo &lt;');
  });
});

describe('truncateCodePoints', () => {
  it('cuts by code points and never splits a surrogate pair', () => {
    expect(truncateCodePoints('abcdef', 4)).toBe('abc…');
    expect(truncateCodePoints('abcd', 4)).toBe('abcd');
    expect(truncateCodePoints('😀😀😀', 3)).toBe('😀😀😀');
    expect(truncateCodePoints('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncateCodePoints('a😀b', 2)).toBe('a…');
    expect(truncateCodePoints('x', 0)).toBe('');
  });
});

describe('safeUrl and link', () => {
  it('takes http(s) only and encodes what could end the destination', () => {
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,x')).toBeNull();
    expect(safeUrl('not a url')).toBeNull();
    expect(safeUrl('https://x.example/a (b)')).toBe('https://x.example/a%20%28b%29');
    expect(link('text', 'javascript:alert(1)')).toBe('text');
    expect(link('text', 'https://x.example/')).toBe('[text](https://x.example/)');
  });
});
