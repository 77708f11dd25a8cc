/**
 * The optional "likely causes" paragraph (DESIGN.md §7): one call to an OpenAI-compatible chat
 * completions endpoint (`LLM_URL`, e.g. Ollama's http://localhost:11434/v1/chat/completions).
 * The prompt is built from the failures' titles, files, first error lines and error signatures
 * only — never output, attachments, environment or anything else a run carries — because it leaves
 * the server. Any failure gives null, and the comment stays deterministic.
 */

import { toOneLine, truncateCodePoints } from './comment-markdown.ts';
import type { RunSummary, SummaryTest } from './types.ts';

export interface LlmOptions {
  /** The full chat completions URL. */
  url: string;
  model: string;
  /** Sent as a bearer token when set (local servers need none). */
  apiKey?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const MAX_FAILURES = 30;
const MAX_PROMPT_CHARS = 6_000;
const MAX_FIELD_CHARS = 300;
const MAX_ANSWER_CHARS = 1_200;

export const SYSTEM_PROMPT =
  'You help developers read continuous integration results of a Playwright test suite. ' +
  'Given the failed tests of one run (title path, file, first error line, error signature), ' +
  'write one short paragraph (at most 120 words) on the likely causes: group failures that share ' +
  'a cause, and say which look like a product bug, a test bug or an infrastructure problem. ' +
  'Plain text only: no Markdown, no HTML, no links, no mentions. Do not invent details.';

/** Credentials in a URL (`https://user:secret@host`) are dropped even from an error line. */
function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/@]{1,200}@/gi, '$1');
}

function field(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  return truncateCodePoints(withoutUrlCredentials(toOneLine(text)), MAX_FIELD_CHARS);
}

function describeFailure(test: SummaryTest, index: number, knownFlaky: boolean): string {
  const titles = test.titlePath.length > 0 ? test.titlePath : [test.title];
  const lines = [
    `${index + 1}. ${field([test.projectName, ...titles].filter((part) => part !== '').join(' › '))}`,
    `   file: ${field(test.file)}`,
  ];
  const error = field(test.error);
  if (error !== '') lines.push(`   error: ${error}`);
  const signature = field(test.errorSignature);
  if (signature !== '' && signature !== error) lines.push(`   signature: ${signature}`);
  if (knownFlaky) lines.push('   known flaky test (quarantined)');
  return lines.join('\n');
}

/** The user message: the failures, real ones first, within MAX_FAILURES and MAX_PROMPT_CHARS. */
export function buildFailurePrompt(summary: RunSummary): string {
  const failures = [
    ...summary.realFailures.map((test) => ({ test, knownFlaky: false })),
    ...summary.flakyFailures.map((test) => ({ test, knownFlaky: true })),
  ];
  let prompt = `${failures.length} failed tests in this run:`;
  let included = 0;
  for (const { test, knownFlaky } of failures.slice(0, MAX_FAILURES)) {
    const entry = `\n${describeFailure(test, included, knownFlaky)}`;
    if (prompt.length + entry.length > MAX_PROMPT_CHARS) break;
    prompt += entry;
    included += 1;
  }
  if (included < failures.length) prompt += `\n(${failures.length - included} more not shown)`;
  return prompt;
}

function answerOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return null;
  const message = (choices[0] as { message?: { content?: unknown } } | undefined)?.message;
  const content = message?.content;
  if (typeof content !== 'string') return null;
  const trimmed = content.trim();
  return trimmed === '' ? null : truncateCodePoints(trimmed, MAX_ANSWER_CHARS);
}

/**
 * The model's paragraph on the run's failures, or null: no failures (no call is made), or the call
 * failed in any way (network, timeout, non-2xx, unexpected JSON, empty answer). The answer is
 * untrusted text; the renderer escapes it like a test title.
 */
export async function summarizeFailures(
  summary: RunSummary,
  options: LlmOptions,
): Promise<string | null> {
  if (summary.realFailures.length === 0 && summary.flakyFailures.length === 0) return null;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (options.apiKey !== undefined && options.apiKey !== '') {
    headers.authorization = `Bearer ${options.apiKey}`;
  }
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: options.model,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: buildFailurePrompt(summary) },
        ],
        temperature: 0.2,
        stream: false,
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return answerOf(await response.json());
  } catch {
    return null;
  }
}
