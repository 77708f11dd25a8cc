export function toProjectDto(project: { id: string; slug: string; name: string; createdAt: Date }) {
  return {
    id: project.id,
    slug: project.slug,
    name: project.name,
    createdAt: project.createdAt.toISOString(),
  };
}
