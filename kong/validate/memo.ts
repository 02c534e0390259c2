/**
 * A bounded memo for pure functions (never returning undefined) of (scope, key) strings that the validator recomputes on every build:
 * the controller and the Kong simulator validate configs that are mostly the same as the previous one, so
 * nearly every derived id and regex path repeats. Two generations bound the memory: when the newer one
 * holds `limit` entries it becomes the older one and the previous older one is dropped; an entry found only
 * in the older one moves to the newer.
 */
export class BoundedMemo<V extends object | string | number | boolean | null> {
  readonly #limit: number;
  #newer = new Map<string, Map<string, V>>();
  #older = new Map<string, Map<string, V>>();
  #newerSize = 0;

  /** @param limit entries per generation (so at most twice this many are kept) */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** `compute(scope, key)`, from the memo when it was asked for recently. */
  get(scope: string, key: string, compute: (scope: string, key: string) => V): V {
    let entries = this.#newer.get(scope);
    const hit = entries?.get(key);
    if (hit !== undefined) return hit;
    const older = this.#older.get(scope)?.get(key);
    const value = older !== undefined ? older : compute(scope, key);
    if (this.#newerSize >= this.#limit) {
      this.#older = this.#newer;
      this.#newer = new Map();
      this.#newerSize = 0;
      entries = undefined;
    }
    if (!entries) {
      entries = new Map();
      this.#newer.set(scope, entries);
    }
    entries.set(key, value);
    this.#newerSize++;
    return value;
  }
}
