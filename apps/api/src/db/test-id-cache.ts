/**
 * Test ids by identity key, per project, for the tests earlier uploads stored. A suite is
 * uploaded again and again with the same tests, and a test's id never changes while its project
 * exists (tests are deleted only with their project, and ids are never reused), so repeat uploads
 * skip the lookup of 10,000 identities. Entries are added only after the transaction that read or
 * created them committed. Least recently used projects are dropped past `capacity` entries.
 */
export class TestIdCache {
  private readonly projects = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(private readonly capacity = 200_000) {}

  /** The cached id of each key, in the keys' order (undefined where unknown); marks the project
   *  as recently used. */
  lookup(projectId: string, keys: readonly string[]): (string | undefined)[] {
    const known = this.projects.get(projectId);
    if (!known) return new Array<string | undefined>(keys.length).fill(undefined);
    this.projects.delete(projectId);
    this.projects.set(projectId, known);
    return keys.map((key) => known.get(key));
  }

  /** Remembers `ids[i]` as the id of `keys[i]`. */
  remember(projectId: string, keys: readonly string[], ids: readonly string[]): void {
    if (keys.length > this.capacity) return;
    let known = this.projects.get(projectId);
    if (!known) {
      known = new Map();
      this.projects.set(projectId, known);
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!known.has(key)) this.size++;
      known.set(key, ids[i] as string);
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
