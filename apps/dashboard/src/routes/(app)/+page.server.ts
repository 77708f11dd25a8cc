import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** The project list; with one project (or a choice made without JavaScript) its overview. */
export const load: PageServerLoad = async ({ parent, url }) => {
  const { projects } = await parent();
  const chosen = url.searchParams.get('project');
  const target =
    projects.find((p) => p.slug === chosen) ?? (projects.length === 1 ? projects[0] : undefined);
  if (target) redirect(303, `/projects/${target.slug}`);
  return { origin: url.origin };
};
