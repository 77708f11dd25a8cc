import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateEncryptionKey,
  openToken,
  parseEncryptionKeys,
  sealToken,
  tokenFingerprint,
} from './token-keys.ts';

const keyA = generateEncryptionKey();
const keyB = randomBytes(32).toString('hex');
const token = 'ghp_exampleTokenValue1234567890';

describe('sealToken / openToken', () => {
  it('round-trips a token, with a fresh iv each time', () => {
    const keys = parseEncryptionKeys(keyA);
    const sealed = sealToken(keys, token, '1:github');
    expect(sealed.keyId).toBe(keys.currentKeyId);
    expect(Buffer.from(sealed.ciphertext, 'base64').length).toBe(12 + 16 + token.length);
    expect(sealed.ciphertext).not.toContain(token);
    expect(openToken(keys, sealed, '1:github')).toBe(token);
    expect(sealToken(keys, token, '1:github').ciphertext).not.toBe(sealed.ciphertext);
  });

  it('does not open under another context (another project or provider)', () => {
    const keys = parseEncryptionKeys(keyA);
    const sealed = sealToken(keys, token, '1:github');
    expect(() => openToken(keys, sealed, '2:github')).toThrow(/does not open/);
    expect(() => openToken(keys, sealed, '1:gitlab')).toThrow(/does not open/);
  });

  it('does not open a tampered ciphertext, tag or iv', () => {
    const keys = parseEncryptionKeys(keyA);
    const sealed = sealToken(keys, token, 'ctx');
    for (const offset of [0, 12, 28, 28 + token.length - 1]) {
      const bytes = Buffer.from(sealed.ciphertext, 'base64');
      bytes[offset] = (bytes[offset] as number) ^ 1;
      const tampered = { ...sealed, ciphertext: bytes.toString('base64') };
      expect(() => openToken(keys, tampered, 'ctx')).toThrow(/does not open/);
    }
    expect(() => openToken(keys, { ...sealed, ciphertext: 'AAAA' }, 'ctx')).toThrow(/truncated/);
  });

  it('names a missing key id, never the token', () => {
    const sealed = sealToken(parseEncryptionKeys(`old:${keyA}`), token, 'ctx');
    const other = parseEncryptionKeys(`new:${keyB}`);
    expect(() => openToken(other, sealed, 'ctx')).toThrow(/key "old".*holds "new"/);
    try {
      openToken(other, sealed, 'ctx');
    } catch (error) {
      expect((error as Error).message).not.toContain(token);
    }
  });

  it('seals with the first key and opens with any key of the ring', () => {
    const ring = parseEncryptionKeys(`b:${keyB}, a:${keyA}`);
    expect(ring.currentKeyId).toBe('b');
    expect(ring.keyIds).toEqual(['b', 'a']);
    const sealedB = sealToken(ring, token, 'ctx');
    expect(sealedB.keyId).toBe('b');
    const sealedA = sealToken(parseEncryptionKeys(`a:${keyA}`), token, 'ctx');
    expect(openToken(ring, sealedA, 'ctx')).toBe(token);
    expect(openToken(ring, sealedB, 'ctx')).toBe(token);
    expect(openToken(parseEncryptionKeys(`b:${keyB}`), sealedB, 'ctx')).toBe(token);
  });
});

describe('parseEncryptionKeys', () => {
  it('derives a bare key id from the key bytes', () => {
    const bytes = Buffer.from(keyA, 'base64');
    const expected = `k${createHash('sha256').update(bytes).digest('hex').slice(0, 8)}`;
    expect(parseEncryptionKeys(keyA).currentKeyId).toBe(expected);
    // The same bytes written in hex are the same key, with the same id.
    expect(parseEncryptionKeys(bytes.toString('hex')).currentKeyId).toBe(expected);
  });

  it('keeps the key bytes off the object (JSON, inspection)', () => {
    const keys = parseEncryptionKeys(`a:${keyA}`);
    expect(JSON.stringify(keys)).toBe('{"currentKeyId":"a","keyIds":["a"]}');
  });

  it.each([
    ['a short key', 'c2hvcnQ=', /44 characters.*64 hex.*got 8 characters/],
    ['a key of the wrong length in hex', 'ab'.repeat(31), /got 62 characters/],
    ['an empty entry', `${keyA},`, /key 2 of 2 is empty/],
    ['a duplicate id', `x:${keyA},x:${keyB}`, /key 2 of 2: key id "x" is used twice/],
    ['the same bare key twice', `${keyA},${keyA}`, /used twice/],
    ['an id with a space', `my key:${keyA}`, /key id before ":" must be 1 to 32/],
    ['an id too long', `${'i'.repeat(33)}:${keyA}`, /must be 1 to 32/],
  ])('refuses %s with a clear message', (_what, value, message) => {
    expect(() => parseEncryptionKeys(value)).toThrow(message);
  });

  it('never quotes the key in an error', () => {
    const almost = keyA.slice(0, 40);
    expect(() => parseEncryptionKeys(almost)).toThrow(Error);
    try {
      parseEncryptionKeys(almost);
    } catch (error) {
      expect((error as Error).message).not.toContain(almost);
    }
  });
});

describe('tokenFingerprint', () => {
  it('is stable, short, and not the token', () => {
    expect(tokenFingerprint(token)).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(tokenFingerprint(token)).toBe(tokenFingerprint(token));
    expect(tokenFingerprint(token)).not.toBe(tokenFingerprint(`${token}x`));
  });
});
