import { describe, expect, it } from 'vitest';
import { MAX_SIGNATURE_LENGTH, errorSignature, errorSignatureHash } from './error-signature.ts';

describe('errorSignature', () => {
  it('keeps the matcher line of an expect().toBe failure, not the values or the stack', () => {
    const message =
      'Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: 7\nReceived: 6\n' +
      '    at /home/ci/app/tests/multiply.spec.ts:8:28';
    expect(errorSignature(message)).toBe('expect(received).toBe(expected) // Object.is equality');
  });

  it('groups the same failure from Playwright 1.38 (no "Error: " prefix) and 1.65', () => {
    const old = 'expect(received).toBe(expected) // Object.is equality\n\nExpected: 4\nReceived: 1';
    const current =
      'Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: "ok"\nReceived: "no"';
    expect(errorSignature(old)).toBe(errorSignature(current));
  });

  it('keeps other error classes', () => {
    expect(
      errorSignature(
        "TimeoutError: locator.click: Timeout 15000ms exceeded.\nCall log:\n  - waiting for locator('button')",
      ),
    ).toBe('TimeoutError: locator.click: Timeout <duration> exceeded.');
  });

  it('masks the timeout of an expect(locator) failure and keeps the locator', () => {
    const message = [
      'Error: Timed out 10000ms waiting for expect(locator).toContainText(expected)',
      '',
      "Locator: locator('h1')",
      'Expected string: "NeonPro Healthcare"',
      'Received: <element(s) not found>',
      'Call log:',
      '  - Expect "toContainText" with timeout 10000ms',
    ].join('\n');
    expect(errorSignature(message)).toBe(
      "Timed out <duration> waiting for expect(locator).toContainText(expected) Locator: locator('h1')",
    );
    expect(errorSignature(message.replace('10000ms', '5000ms'))).toBe(errorSignature(message));
  });

  it('masks numbers inside locators so rows of a list group together', () => {
    const row = (n: number): string =>
      `Error: expect(locator).toBeVisible() failed\n\nLocator: getByTestId('row-${n}')\n` +
      'Expected: visible\nTimeout: 15000ms\nError: element(s) not found\n\nCall log:\n  - waiting';
    expect(errorSignature(row(17))).toBe(
      "expect(locator).toBeVisible() failed Locator: getByTestId('row-<n>')",
    );
    expect(errorSignature(row(3))).toBe(errorSignature(row(17)));
  });

  it('masks the test timeout in seconds and milliseconds', () => {
    expect(errorSignature('Test timeout of 30000ms exceeded.')).toBe(
      'Test timeout of <duration> exceeded.',
    );
    expect(errorSignature('Timed out waiting 5s for the test suite to run')).toBe(
      'Timed out waiting <duration> for the test suite to run',
    );
    expect(errorSignature('Error: waited 2.5 seconds')).toBe('waited <duration>');
  });

  it('keeps the host of a refused connection but masks its port', () => {
    const message =
      'Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:3000/\nCall log:\n' +
      '  - navigating to "http://localhost:3000/", waiting until "load"';
    expect(errorSignature(message)).toBe(
      'page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:<port>/',
    );
    expect(errorSignature(message.replaceAll('3000', '5173'))).toBe(errorSignature(message));
  });

  it('drops credentials, query strings and fragments from URLs and masks ids in their path', () => {
    expect(
      errorSignature(
        'Error: request to https://user:pw@api.example.com:8443/v1/users/1234/orders?token=abc#x failed.',
      ),
    ).toBe('request to https://api.example.com:<port>/v1/users/<n>/orders failed.');
    expect(errorSignature('Error: GET http://10.0.0.12/items/3f2c9a1b7d4e failed')).toBe(
      'GET http://<ip>/items/<hex> failed',
    );
  });

  it('masks IP addresses with ports outside URLs', () => {
    expect(errorSignature('Error: connect ECONNREFUSED 127.0.0.1:8080')).toBe(
      'connect ECONNREFUSED <ip>:<port>',
    );
  });

  it('masks absolute, Windows, relative and file-URL paths with their line and column', () => {
    expect(
      errorSignature(
        "Error: ENOENT: no such file or directory, open '/home/runner/work/app/fixtures/user-42.json'",
      ),
    ).toBe("ENOENT: no such file or directory, open '<path>'");
    expect(errorSignature("Error: Cannot find module 'C:\\Users\\dev\\app\\helpers.ts'")).toBe(
      "Cannot find module '<path>'",
    );
    expect(errorSignature('Error: thrown at tests/login.spec.ts:12:5 via ../control.ts:37')).toBe(
      'thrown at <path> via <path>',
    );
    expect(errorSignature('Error: failed in helpers.ts:37:36')).toBe('failed in <path>');
    expect(errorSignature('Error: cannot load file:///C:/work/app/a.spec.ts')).toBe(
      'cannot load <path>',
    );
  });

  it('masks UUIDs, hex ids, dates and e-mail addresses', () => {
    expect(
      errorSignature(
        'Error: order 123e4567-e89b-12d3-a456-426614174000 (0xdeadbeef, 5f2b1c9a7d3e) ' +
          'created 2024-04-19T12:56:13.769Z by qa+7@example.com',
      ),
    ).toBe('order <uuid> (<hex>, <hex>) created <date> by <email>');
  });

  it('keeps digits that are part of names', () => {
    expect(errorSignature("Error: locator('h1') in utf8 for user_2 is 10px wide, item-4")).toBe(
      "locator('h1') in utf8 for user_2 is <n>px wide, item-<n>",
    );
  });

  it('replaces long quoted values', () => {
    const body = JSON.stringify({ id: 1, items: Array.from({ length: 40 }, (_, i) => i) });
    expect(errorSignature(`Error: unexpected response '${body}' from server`)).toBe(
      "unexpected response '<text>' from server",
    );
  });

  it('uses a thrown value as is', () => {
    expect(errorSignature("'a string'")).toBe("'a string'");
  });

  it('reaches past a header without words (an inspected thrown object)', () => {
    expect(errorSignature('{\n  code: 42,\n  detail: "x"\n}')).toBe('{ code: <n>,');
  });

  it('strips ANSI colours first', () => {
    expect(
      errorSignature(
        '\u001b[2mexpect(\u001b[22m\u001b[31mreceived\u001b[39m\u001b[2m).toBeTruthy()',
      ),
    ).toBe('expect(received).toBeTruthy()');
  });

  it('collapses whitespace and caps the length', () => {
    expect(errorSignature('Error:   lots \t of   space  ')).toBe('lots of space');
    const signature = errorSignature(`Error: ${'word '.repeat(200)}`);
    expect(signature.length).toBe(MAX_SIGNATURE_LENGTH);
    expect(signature.endsWith('…')).toBe(true);
  });

  it('gives empty messages a placeholder', () => {
    expect(errorSignature('')).toBe('<empty>');
    expect(errorSignature('\n   at foo (/a/b.ts:1:2)')).toBe('<empty>');
  });
});

describe('errorSignature on hostile text', () => {
  // Each input is large enough that a quadratic (or worse) pass over it would time the test out.
  const MB = 1_000_000;

  it('reads lines of spaces, tabs and pipes, and ANSI codes, whole or cut', () => {
    expect(errorSignature(`Error: boom\n${' '.repeat(MB)}x`)).toBe('boom');
    expect(errorSignature(`Error: boom\n${'\t'.repeat(MB)}|`)).toBe('boom');
    expect(errorSignature(`Error: ${' '.repeat(MB)}boom`)).toBe('<empty>');
    expect(errorSignature(`${' '.repeat(1500)}x`)).toBe('x');
    expect(errorSignature(`${' \t'.repeat(4000)}> 12 | code`)).toBe('<empty>');
    expect(errorSignature(`Error: ${'|'.repeat(MB)}`)).toBe('|'.repeat(299) + '…');
    expect(errorSignature(`Error: ${'| '.repeat(MB / 2)}`)).toBe('| '.repeat(149) + '|…');
    expect(errorSignature(`${'\u001b[31m'.repeat(MB / 5)}Error: red`)).toBe('<empty>');
    expect(errorSignature(`Error: red${'\u001b[31m \t'.repeat(MB / 7)}`)).toBe('red');
  });

  it('reads many short lines without words', () => {
    expect(errorSignature('{\n'.repeat(MB / 2))).toBe('{ '.repeat(149) + '{…');
    expect(errorSignature(`Error: x${'\n'.repeat(MB)}Locator: y`)).toBe('x');
    expect(errorSignature(`Error: x\n${'\n'.repeat(100)}Locator: y`)).toBe('x Locator: y');
  });

  it('masks within long runs of path, address and number characters', () => {
    const within = (text: string) => errorSignature(`Error: ${text}`);
    expect(within(`${'a'.repeat(50_000)}!`)).toBe(`${'a'.repeat(299)}…`);
    expect(within('@'.repeat(MB))).toBe(`${'@'.repeat(299)}…`);
    expect(within(`${'@'.repeat(5000)}/a/b.ts`).endsWith('…')).toBe(true);
    expect(within(`${'a.'.repeat(MB / 2)}`)).toBe(`${'a.'.repeat(149)}a…`);
    expect(within(`${'ä/'.repeat(MB / 2)}`)).toBe('ä<path>');
    expect(within(`${'/'.repeat(MB)}a`)).toBe(`${'/'.repeat(299)}…`);
    expect(within(`http://h/${'.'.repeat(MB)}x`)).toBe(`http://h/${'.'.repeat(290)}…`);
    expect(within(`${'1'.repeat(MB)}x`)).toBe('<n>');
    expect(within(`x${'.1'.repeat(MB / 2)}`)).toBe(`x.${'<ip>.'.repeat(60)}`.slice(0, 299) + '…');
  });

  it('keeps the signature stored whole: no half of a surrogate pair at a cut', () => {
    const signature = errorSignature(`Error: ${'é'.repeat(298)}😀😀 tail`);
    expect(signature).toBe(`${'é'.repeat(298)}…`);
    expect(errorSignature(`Error: nul \u0000 and \uD800 here`)).toBe('nul \uFFFD and \uFFFD here');
  });
});

describe('errorSignatureHash', () => {
  it('is a stable 16-character hex digest', () => {
    const hash = errorSignatureHash('Test timeout of <duration> exceeded.');
    expect(hash).toMatch(/^[\da-f]{16}$/);
    expect(errorSignatureHash('Test timeout of <duration> exceeded.')).toBe(hash);
    expect(errorSignatureHash('expect(received).toBe(expected)')).not.toBe(hash);
  });
});
