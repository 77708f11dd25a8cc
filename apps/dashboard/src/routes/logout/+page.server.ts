import { redirect } from '@sveltejs/kit';
import { callApi } from '$lib/server/api';
import { clearSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  default: async ({ cookies, locals }) => {
    // Logging out never fails: the cookie goes even when the API cannot end the session.
    await callApi('/session', { method: 'DELETE', session: locals.session }).catch(() => {});
    clearSessionCookie(cookies);
    redirect(303, '/login');
  },
};
