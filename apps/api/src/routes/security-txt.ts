import { Hono } from 'hono';
import type { AppEnv } from '../http/types.ts';

/** RFC 9116: where to report a vulnerability. */
export const securityTxtRoutes = new Hono<AppEnv>();

const POLICY_URL = 'https://github.com/flackyness/flackyness/blob/main/SECURITY.md';
/** Expires must be less than a year ahead (RFC 9116 §2.5.5); computed on each answer. */
const VALID_DAYS = 180;

securityTxtRoutes.get('/.well-known/security.txt', (c) => {
  const { config, now } = c.get('deps');
  const expires = new Date(now().getTime() + VALID_DAYS * 86_400_000);
  expires.setUTCMilliseconds(0);
  const body = [
    `Contact: ${config.SECURITY_CONTACT}`,
    `Expires: ${expires.toISOString().replace('.000Z', 'Z')}`,
    'Preferred-Languages: en',
    `Policy: ${POLICY_URL}`,
    `Canonical: ${config.publicUrl}/.well-known/security.txt`,
    '',
  ].join('\n');
  return c.text(body, 200, { 'cache-control': 'public, max-age=86400' });
});
