import type { ObjectStore } from './object-store.ts';

/**
 * A build worker's in-memory copy of the object store: each refresh reads only what changed since
 * the revision it holds, so a rebuild after one change costs one small read, not the whole cluster.
 */
export class SnapshotCache {
  #revision = 0;
  /** The store epoch `#revision` counts in: after a wipe the same numbers name other changes. */
  #epoch = '';
  readonly #objects = new Map<string, unknown>();

  get revision(): number {
    return this.#revision;
  }

  /** Brings the cache to the store's current revision; returns the keys that changed. */
  async refresh(
    store: ObjectStore,
  ): Promise<{ revision: number; changed: readonly string[]; full: boolean }> {
    const changeSet = await store.changesSince(this.#revision, this.#epoch);
    if (changeSet.full) this.#objects.clear();
    const changed: string[] = [];
    for (const { key, json } of changeSet.changes) {
      if (json === null) this.#objects.delete(key);
      else this.#objects.set(key, JSON.parse(json));
      changed.push(key);
    }
    this.#revision = changeSet.revision;
    this.#epoch = changeSet.epoch;
    return { revision: changeSet.revision, changed, full: changeSet.full };
  }

  objects(): IterableIterator<[string, unknown]> {
    return this.#objects.entries();
  }

  get size(): number {
    return this.#objects.size;
  }
}
