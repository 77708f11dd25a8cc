import { error } from '@sveltejs/kit';
import { projectByKey } from '$lib/projects';
import type { LayoutServerLoad } from './$types';

/**
 * The project of every page under /projects/:project, from the projects the frame already read
 * (those the viewer may open), so no page reads it again. Another project's key is not found,
 * as the API would answer.
 */
export const load: LayoutServerLoad = async ({ parent, params }) => {
  const { projects } = await parent();
  const project = projectByKey(projects, params.project);
  if (!project) error(404, { message: `Project "${params.project}" not found`, code: 'not_found' });
  return { project };
};
