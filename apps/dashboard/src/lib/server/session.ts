import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from './config';

export function setSessionCookie(cookies: Cookies, url: URL, secret: string, expiresAt: string) {
  cookies.set(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(cookies: Cookies) {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

/** The login page, coming back to `url` after signing in (the project list needs no `next`). */
export function loginHref(url: URL): string {
  const next = url.pathname + url.search;
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** Where to go after login: a path on this site only, never another origin (`//host`, `/\host`). */
export function safeNextPath(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
