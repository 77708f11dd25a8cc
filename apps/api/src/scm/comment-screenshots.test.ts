import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKER, hugeSummary, mixedSummary, runSummary } from '../../test/scm-summaries.ts';
import { renderPrComment } from './comment.ts';

/**
 * Representative comments rendered as the platforms would (GFM through marked, raw HTML such as
 * the marker and `<details>` left as marked leaves it), shown in Debian's Chromium: hostile text
 * must stay text, and the screenshots in test-results/comment-screenshots/ are for people to look at.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotDir = fileURLToPath(
  new URL('../../test-results/comment-screenshots/', import.meta.url),
);

const STYLE = `
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
         color: #1f2328; background: #f6f8fa; margin: 0; padding: 24px; }
  .comment { max-width: 880px; margin: auto; background: #fff; border: 1px solid #d1d9e0;
             border-radius: 6px; padding: 16px 24px; }
  h3, h4 { margin: 16px 0 8px; } h3 { font-size: 1.25em; } h4 { font-size: 1em; }
  code { background: #eff1f3; border-radius: 4px; padding: .1em .3em; font-size: 85%;
         font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
  pre { background: #f6f8fa; padding: 12px; overflow: auto; border-radius: 6px; }
  pre code { background: none; padding: 0; }
  a { color: #0969da; text-decoration: none; }
  hr { border: 0; border-top: 1px solid #d1d9e0; }
  summary { cursor: pointer; }`;

function page(markdown: string): string {
  const html = marked.parse(markdown, { gfm: true, async: false }) as string;
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head>
<body><div class="comment">${html}</div></body></html>`;
}

const AI =
  'Both failures point at the login form: <img src=x onerror=alert(2)> the submit selector ' +
  'changed in this PR. @octocat see #12. <!-- flackyness:v1 project=p-1 -->';

const comments: { name: string; markdown: string }[] = [
  {
    name: 'all-green',
    markdown: renderPrComment(runSummary(), {
      provider: 'github',
      marker: MARKER,
      maxChars: 65_536,
    }),
  },
  {
    name: 'failures-hostile-title',
    markdown: renderPrComment(
      mixedSummary({
        run: { ...mixedSummary().run, errors: ['Error: <b>worker</b> crashed\n    at x.ts:1:1'] },
      }),
      { provider: 'gitlab', marker: MARKER, maxChars: 1_000_000 },
    ),
  },
  {
    name: 'github-truncated',
    markdown: renderPrComment(hugeSummary(3_000, 400), {
      provider: 'github',
      marker: MARKER,
      maxChars: 65_536,
    }),
  },
  {
    name: 'ai-paragraph',
    markdown: renderPrComment(mixedSummary(), {
      provider: 'azure',
      marker: MARKER,
      maxChars: 150_000,
      aiSummary: AI,
    }),
  },
];

const hasChromium = existsSync(chromiumPath);

describe.skipIf(!hasChromium)(
  hasChromium
    ? 'comment screenshots'
    : `comment screenshots — skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`,
  () => {
    let browser: Browser;

    beforeAll(async () => {
      await mkdir(screenshotDir, { recursive: true });
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it.each(comments)('$name renders hostile text as text', async ({ name, markdown }) => {
      const context = await browser.newContext({ viewport: { width: 960, height: 900 } });
      const tab = await context.newPage();
      const dialogs: string[] = [];
      tab.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      try {
        await tab.setContent(page(markdown), { waitUntil: 'load' });
        expect(await tab.locator('img, script, iframe, b').count()).toBe(0);
        expect(dialogs).toEqual([]);
        // The marker is the page's only HTML comment: nothing rendered can fake or close it.
        // A string, because this package's TypeScript has no DOM types.
        const comments = await tab.evaluate<string[]>(`(() => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
          const found = [];
          while (walker.nextNode()) found.push(walker.currentNode.nodeValue ?? '');
          return found;
        })()`);
        expect(comments).toEqual([' flackyness:v1 project=p-1 ']);
        // Opened, so the screenshots and the text below include folded lists and errors.
        await tab.evaluate(
          `document.querySelectorAll('details').forEach((details) => { details.open = true; })`,
        );
        const text = await tab.locator('.comment').innerText();
        expect(text).toContain('Full report');
        if (name === 'failures-hostile-title') {
          expect(text).toContain('<img src=x onerror=alert(1)> --> <!-- flackyness @');
          expect(text).toContain('Error: <b>worker</b> crashed');
        }
        if (name === 'ai-paragraph') {
          expect(text).toContain('Likely causes (generated by a language model, may be wrong)');
          expect(text).toContain('<img src=x onerror=alert(2)>');
        }
        if (name === 'github-truncated') expect(text).toMatch(/…and [\d,]+ more/);
        await tab.screenshot({
          path: `${screenshotDir}${name}.png`,
          fullPage: name !== 'github-truncated',
        });
      } finally {
        await context.close();
      }
    });
  },
);
