import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mixedSummary, runSummary, summaryTest } from '../../test/scm-summaries.ts';
import { SYSTEM_PROMPT, buildFailurePrompt, summarizeFailures } from './llm-summary.ts';

/** A fake OpenAI-compatible server: each test sets how it answers and reads what it received. */
interface Received {
  headers: IncomingMessage['headers'];
  body: unknown;
}
let answer: (response: ServerResponse) => void;
const received: Received[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function json(status: number, body: unknown): (response: ServerResponse) => void {
  return (response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

const PARAGRAPH = 'The login test fails on a changed selector; the checkout timeout looks infra.';
const completion = { choices: [{ index: 0, message: { role: 'assistant', content: PARAGRAPH } }] };

describe('summarizeFailures', () => {
  it('posts the model, a system prompt and the failures only; returns the paragraph', async () => {
    answer = json(200, completion);
    const summary = mixedSummary();
    summary.realFailures[0]!.error =
      'Error: page.goto: net::ERR at https://ci-user:s3cr3t-token@internal.example/login';
    const result = await summarizeFailures(summary, {
      url,
      model: 'llama3.2',
      apiKey: 'sk-test',
      timeoutMs: 5_000,
    });
    expect(result).toBe(PARAGRAPH);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.headers.authorization).toBe('Bearer sk-test');
    const body = request!.body as { model: string; messages: { role: string; content: string }[] };
    expect(body.model).toBe('llama3.2');
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(body.messages[0]!.content).toBe(SYSTEM_PROMPT);
    const user = body.messages[1]!.content;
    expect(user).toContain('tests/login.spec.ts');
    expect(user).toContain('TimeoutError: locator.click');
    expect(user).toContain('known flaky test (quarantined)');
    expect(user).not.toContain('s3cr3t-token');
    expect(user).not.toContain('ci-user');
    expect(user).not.toContain(summary.run.url);
    expect(JSON.stringify(body)).not.toContain('sk-test');
  });

  it('sends no authorization header without an API key', async () => {
    answer = json(200, completion);
    await summarizeFailures(mixedSummary(), { url, model: 'm', timeoutMs: 5_000 });
    expect(received[0]!.headers.authorization).toBeUndefined();
  });

  it('trims a long answer', async () => {
    answer = json(200, { choices: [{ message: { content: `  ${'word '.repeat(1_000)}  ` } }] });
    const result = await summarizeFailures(mixedSummary(), { url, model: 'm', timeoutMs: 5_000 });
    expect([...(result ?? '')].length).toBeLessThanOrEqual(1_200);
    expect(result?.startsWith('word')).toBe(true);
  });

  it.each([
    ['a 500', json(500, { error: 'boom' })],
    ['a 401', json(401, { error: 'no key' })],
    ['garbage', (response: ServerResponse) => response.end('<html>not json')],
    ['no choices', json(200, { object: 'chat.completion' })],
    ['an empty answer', json(200, { choices: [{ message: { content: '   ' } }] })],
    ['a non-string answer', json(200, { choices: [{ message: { content: 42 } }] })],
  ])('returns null on %s', async (_name, respond) => {
    answer = respond;
    const result = await summarizeFailures(mixedSummary(), { url, model: 'm', timeoutMs: 5_000 });
    expect(result).toBeNull();
    expect(received).toHaveLength(1);
  });

  it('returns null on a timeout', async () => {
    answer = (response) => setTimeout(() => json(200, completion)(response), 2_000);
    const result = await summarizeFailures(mixedSummary(), { url, model: 'm', timeoutMs: 100 });
    expect(result).toBeNull();
  });

  it('returns null when the server is unreachable', async () => {
    const result = await summarizeFailures(mixedSummary(), {
      url: 'http://127.0.0.1:9/v1/chat/completions',
      model: 'm',
      timeoutMs: 2_000,
    });
    expect(result).toBeNull();
  });

  it('makes no call when nothing failed', async () => {
    answer = json(200, completion);
    const result = await summarizeFailures(runSummary(), { url, model: 'm', timeoutMs: 5_000 });
    expect(result).toBeNull();
    expect(received).toHaveLength(0);
  });
});

describe('buildFailurePrompt', () => {
  it('caps the failures and the length', () => {
    const failures = Array.from({ length: 200 }, (_, index) =>
      summaryTest(index, { error: `Error: ${'x'.repeat(1_000)}`, errorSignature: `sig ${index}` }),
    );
    const prompt = buildFailurePrompt(mixedSummary({ realFailures: failures }));
    expect(prompt.length).toBeLessThanOrEqual(6_100);
    expect(prompt.startsWith('201 failed tests in this run:')).toBe(true);
    expect(prompt).toMatch(/\(\d+ more not shown\)$/);
    expect(prompt).not.toContain('31. ');
  });
});
