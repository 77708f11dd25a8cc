import { env } from '$env/dynamic/private';

/**
 * The dashboard's settings, read once. In the one-process setup the API server hands its own
 * fetch function over (see api.ts), and API_URL is not needed; as two services it is the API's
 * address.
 */
export const config = {
  apiUrl: (env.API_URL || `http://127.0.0.1:${env.PORT || 3000}`).replace(/\/+$/, ''),
};

/** The session cookie: HTTP-only, SameSite=Lax, `Secure` when the page was served over HTTPS. */
export const SESSION_COOKIE = 'flk_session';
