import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../errors.ts';
import { SESSION_COOKIE } from './auth.ts';
import type { AppEnv } from './types.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session cookie is sent by the browser on its own, so a request it authenticates could come
 * from another site's page (CSRF). Such a request that changes something is refused when the
 * browser says it is cross-site (`Sec-Fetch-Site`) or names another origin. Tokens in headers are
 * never sent by a browser on its own, and are not concerned.
 */
export function refuseCrossSiteCookieWrites(publicUrl: string): MiddlewareHandler<AppEnv> {
  const publicOrigin = new URL(publicUrl).origin;
  return async (c, next) => {
    const cookieOnly =
      !SAFE_METHODS.has(c.req.method) &&
      getCookie(c, SESSION_COOKIE) !== undefined &&
      !c.req.header('authorization') &&
      !c.req.header('x-api-key');
    if (cookieOnly) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const ownOrigin = origin === publicOrigin || origin === new URL(c.req.url).origin;
      if (
        (site !== undefined && site !== 'same-origin' && site !== 'none') ||
        (origin !== undefined && !ownOrigin)
      ) {
        throw new ApiError(
          'forbidden',
          'Cross-site request refused: the session cookie is not accepted from another site',
        );
      }
    }
    await next();
  };
}
