import { redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/config';
import { loginHref } from '$lib/server/session';
import { STREAM_ROUTES } from '$lib/server/stream-proxy';

/** Pages anyone may open; every other page needs a session (the API checks it again). */
const PUBLIC_PATHS = new Set(['/login']);

export const handle: Handle = async ({ event, resolve }) => {
  event.locals.session = event.cookies.get(SESSION_COOKIE) || undefined;
  if (!event.locals.session && !PUBLIC_PATHS.has(event.url.pathname)) {
    // An event stream is no page: a redirect to the login form would only make EventSource retry.
    if (event.route.id && STREAM_ROUTES.has(event.route.id)) {
      return new Response('Log in to follow this stream\n', {
        status: 401,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
    redirect(303, loginHref(event.url));
  }
  const response = await resolve(event);
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  // Served as https (PUBLIC_URL's scheme on the API's port, or ORIGIN as a service of its own).
  if (event.url.protocol === 'https:')
    response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  // Pages show one viewer's data: never let a shared cache keep them.
  if (!response.headers.has('cache-control'))
    response.headers.set('cache-control', 'private, no-store');
  return response;
};

/** An unexpected error: logged here, shown as a plain 500 that echoes nothing internal. */
export const handleError: HandleServerError = ({ error, event, status }) => {
  if (status !== 404) {
    console.error(`dashboard error on ${event.url.pathname}:`, error);
  }
  return {
    message: status === 404 ? 'Page not found' : 'Something went wrong on our side',
    code: String(status),
  };
};
