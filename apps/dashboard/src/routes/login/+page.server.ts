import { fail, redirect } from '@sveltejs/kit';
import type { SessionCreated } from '@flackyness/shared/api';
import { ApiFailure, callApi } from '$lib/server/api';
import { safeNextPath, setSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.session) redirect(303, safeNextPath(url.searchParams.get('next')));
  return { next: safeNextPath(url.searchParams.get('next')) };
};

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    const token = String(form.get('token') ?? '').trim();
    const next = safeNextPath(String(form.get('next') ?? '/'));
    if (!token) return fail(400, { message: 'Paste the admin token or a project token.' });
    let created: SessionCreated;
    try {
      created = await callApi<SessionCreated>('/sessions', { method: 'POST', body: { token } });
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status < 500) {
        return fail(failure.status === 429 ? 429 : 401, {
          message:
            failure.status === 429
              ? 'Too many attempts; wait a minute and try again.'
              : 'That token is not valid (or has been rotated out).',
        });
      }
      return fail(503, { message: 'The Flackyness API cannot be reached right now.' });
    }
    setSessionCookie(cookies, url, created.session, created.expiresAt);
    redirect(303, next);
  },
};
