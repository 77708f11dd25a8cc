import type { Page, Project, SessionInfo } from '@flackyness/shared/api';
import { apiReader } from '$lib/server/api';
import type { LayoutServerLoad } from './$types';

/** Every page's frame: who is signed in, and the projects they may open. */
export const load: LayoutServerLoad = async ({ cookies, url }) => {
  const api = apiReader(cookies, url);
  const [session, projects] = await Promise.all([
    api.get<SessionInfo>('/session'),
    api.get<Page<Project>>('/projects'),
  ]);
  return { viewer: session.viewer, projects: projects.items };
};
