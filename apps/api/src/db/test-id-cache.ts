/**
 * Test ids by identity hash, per project, for the tests earlier uploads stored. A suite is
 * uploaded again and again with the same tests, and a test's id never changes while its project
 * exists (tests are deleted only with their project, and ids are never reused), so repeat uploads
 * skip the lookup of 10,000 identities. Entries are added only after the transaction that read or
 * created them committed. Least recently used projects are dropped past `capacity` entries.
 */
export class TestIdCache {
  private readonly projects = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(private readonly capacity = 200_000) {}

  /** The cached ids among `hashes`; marks the project as recently used. */
  lookup(projectId: string, hashes: Iterable<string>): Map<string, string> {
    const found = new Map<string, string>();
    const known = this.projects.get(projectId);
    if (!known) return found;
    this.projects.delete(projectId);
    this.projects.set(projectId, known);
    for (const hash of hashes) {
      const id = known.get(hash);
      if (id !== undefined) found.set(hash, id);
    }
    return found;
  }

  remember(projectId: string, ids: ReadonlyMap<string, string>): void {
    if (ids.size > this.capacity) return;
    let known = this.projects.get(projectId);
    if (!known) {
      known = new Map();
      this.projects.set(projectId, known);
    }
    for (const [hash, id] of ids) {
      if (!known.has(hash)) this.size++;
      known.set(hash, id);
    }
    for (const [oldest, entries] of this.projects) {
      if (this.size <= this.capacity) break;
      if (oldest === projectId) continue;
      this.projects.delete(oldest);
      this.size -= entries.size;
    }
  }

  forget(projectId: string): void {
    const known = this.projects.get(projectId);
    if (!known) return;
    this.projects.delete(projectId);
    this.size -= known.size;
  }
}
