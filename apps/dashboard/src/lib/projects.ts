import type { Project } from '@flackyness/shared/api';

/** A project of the viewer's list by the key in a page's path: its slug or its id, as the API takes. */
export function projectByKey(projects: readonly Project[], key: string): Project | undefined {
  return projects.find((project) => project.slug === key || project.id === key);
}
