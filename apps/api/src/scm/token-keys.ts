import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Provider tokens at rest (DESIGN.md §7): AES-256-GCM under a keyring from ENCRYPTION_KEY. The
 * first key seals, every key opens, and each ciphertext is stored with the id of the key that
 * sealed it, so a new key can be put first, the tokens sealed again, and the old key dropped.
 */

/** The keyring. Only ids are visible on it: the key bytes live in a module-private map, so
 *  neither JSON.stringify nor a logger given the object (or the config holding it) shows them. */
export interface EncryptionKeys {
  /** The key that seals: the first of ENCRYPTION_KEY. */
  readonly currentKeyId: string;
  /** Every key that opens, in ENCRYPTION_KEY's order. */
  readonly keyIds: readonly string[];
}

export interface SealedToken {
  /** base64 of iv (12 bytes) | tag (16 bytes) | ciphertext. */
  ciphertext: string;
  keyId: string;
}

const keyBytes = new WeakMap<EncryptionKeys, ReadonlyMap<string, Buffer>>();

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

const keyShape =
  'a key is 32 bytes written as base64 (44 characters, e.g. from `openssl rand -base64 32`) or as 64 hex characters';

/** A bare key's id: derived from the key, so the same key always gets the same id. */
export function deriveKeyId(key: Uint8Array): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

function decodeKey(text: string, where: string): Buffer {
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (BASE64_KEY.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 32) return bytes;
  }
  // The length only: an error message must never hold (part of) a key.
  throw new Error(`${where}: ${keyShape}; got ${text.length} characters`);
}

/**
 * Parses ENCRYPTION_KEY: keys separated by commas, each `keyId:key` or a bare `key` (its id then
 * derived from it). Throws an Error saying which entry is wrong, never quoting a key.
 */
export function parseEncryptionKeys(value: string): EncryptionKeys {
  const entries = value.split(',').map((entry) => entry.trim());
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const where = entries.length > 1 ? `key ${index + 1} of ${entries.length}` : 'the key';
    if (entry === '') throw new Error(`${where} is empty (keys are separated by single commas)`);
    const colon = entry.indexOf(':');
    const id = colon === -1 ? undefined : entry.slice(0, colon).trim();
    const key = decodeKey(colon === -1 ? entry : entry.slice(colon + 1).trim(), where);
    if (id !== undefined && !KEY_ID.test(id)) {
      throw new Error(
        `${where}: the key id before ":" must be 1 to 32 letters, digits, "_" or "-" (got ${id.length} characters)`,
      );
    }
    const keyId = id ?? deriveKeyId(key);
    if (keys.has(keyId)) throw new Error(`${where}: key id "${keyId}" is used twice`);
    keys.set(keyId, key);
  });
  const keyIds = [...keys.keys()];
  const ring: EncryptionKeys = Object.freeze({ currentKeyId: keyIds[0] as string, keyIds });
  keyBytes.set(ring, keys);
  return ring;
}

/** A fresh random key, as ENCRYPTION_KEY would hold it (base64). */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** The additional authenticated data an integration's token is sealed with: a ciphertext copied
 *  to another project's or provider's row does not open there. */
export function integrationTokenContext(projectId: string, provider: string): string {
  return `${projectId}:${provider}`;
}

function keyFor(keys: EncryptionKeys, keyId: string): Buffer {
  const key = keyBytes.get(keys)?.get(keyId);
  if (!key) {
    throw new Error(
      `The token was sealed with key "${keyId}", which ENCRYPTION_KEY does not hold (it holds ${keys.keyIds.map((id) => `"${id}"`).join(', ')})`,
    );
  }
  return key;
}

/** Seals a token with the current key; `context` is bound to it (see integrationTokenContext). */
export function sealToken(keys: EncryptionKeys, token: string, context: string): SealedToken {
  const keyId = keys.currentKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(keys, keyId), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return {
    ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
    keyId,
  };
}

/** Opens a sealed token with the key its id names; throws when that key is not in the ring, or
 *  when the ciphertext was altered or sealed for another context. */
export function openToken(keys: EncryptionKeys, sealed: SealedToken, context: string): string {
  const key = keyFor(keys, sealed.keyId);
  const bytes = Buffer.from(sealed.ciphertext, 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) {
    throw new Error(`The token sealed with key "${sealed.keyId}" is truncated`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new Error(
      `The token sealed with key "${sealed.keyId}" does not open: altered, or sealed for another integration`,
    );
  }
}

/** What the API shows instead of a token: enough to tell two tokens apart, not to find one. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
}
