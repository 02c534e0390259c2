/**
 * A bounded memo for pure functions (never returning undefined) of a scope and up to two key parts that the
 * validator recomputes on every build: the controller and the Kong simulator validate configs that are mostly
 * the same as the previous one, so nearly every derived id and regex path repeats. The parts are looked up one
 * map level each, so callers never join strings just to look something up. Two generations bound the memory:
 * when the newer one holds `limit` entries it becomes the older one and the previous older one is dropped; an
 * entry found only in the older one moves to the newer.
 */
type Part = string | undefined;
type Generation<V> = Map<string, Map<Part, Map<Part, V>>>;

export class BoundedMemo<V extends object | string | number | boolean | null> {
  readonly #limit: number;
  #newer: Generation<V> = new Map();
  #older: Generation<V> = new Map();
  #newerSize = 0;

  /** @param limit entries per generation (so at most twice this many are kept) */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** `compute(scope, key, sub)`, from the memo when it was asked for recently. */
  get(scope: string, key: Part, sub: Part, compute: (scope: string, key: Part, sub: Part) => V): V {
    let entries = this.#newer.get(scope)?.get(key);
    const hit = entries?.get(sub);
    if (hit !== undefined) return hit;
    const older = this.#older.get(scope)?.get(key)?.get(sub);
    const value = older !== undefined ? older : compute(scope, key, sub);
    if (this.#newerSize >= this.#limit) {
      this.#older = this.#newer;
      this.#newer = new Map();
      this.#newerSize = 0;
      entries = undefined;
    }
    if (!entries) entries = entriesFor(this.#newer, scope, key);
    entries.set(sub, value);
    this.#newerSize++;
    return value;
  }
}

function entriesFor<V>(generation: Generation<V>, scope: string, key: Part): Map<Part, V> {
  let keys = generation.get(scope);
  if (!keys) {
    keys = new Map();
    generation.set(scope, keys);
  }
  let entries = keys.get(key);
  if (!entries) {
    entries = new Map();
    keys.set(key, entries);
  }
  return entries;
}
