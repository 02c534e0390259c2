/**
 * Per-entity memo of the schema check, for callers that validate one config after another where most entities are
 * the very same immutable objects (the controller's builds: its translator reuses the entities of every part of
 * the cluster that did not change). Only entities the caller vouches for (`isImmutable`, which must mean "neither
 * it nor anything in it can ever change") are memoised, and only their successes: a failure is checked again, so
 * its error table is built fresh for the 400 body each time.
 */
import type { EntityType } from './entities/registry.ts';
import type { Rec } from './schema.ts';

interface Entry {
  type: EntityType;
  omit: string | undefined;
  /** The processed record as the check returned it; never handed out itself (the caller changes its copy). */
  processed: Rec;
}

export class RecordMemo {
  readonly #isImmutable: (value: object) => boolean;
  /** Usually one entry per entity; an entity checked as another type or nesting gets another. */
  readonly #entries = new WeakMap<object, Entry[]>();

  /** @param isImmutable true only for objects that neither change nor hold anything that changes */
  constructor(isImmutable: (value: object) => boolean) {
    this.#isImmutable = isImmutable;
  }

  /** A copy of the processed record of `raw` checked as `type` (nested without `omit`), when it passed before. */
  processed(type: EntityType, raw: Rec, omit: string | undefined): Rec | undefined {
    const entry = this.#entries.get(raw)?.find((e) => e.type === type && e.omit === omit);
    // Top-level fields of a node's record are written later (its id, its parent link): a copy each time.
    return entry ? { ...entry.processed } : undefined;
  }

  /** Remembers that `raw` passed as `type` with `processed`, if the caller vouches for `raw`. */
  remember(type: EntityType, raw: Rec, omit: string | undefined, processed: Rec): void {
    if (!this.#isImmutable(raw)) return;
    const entry: Entry = { type, omit, processed: { ...processed } };
    const entries = this.#entries.get(raw);
    if (entries) entries.push(entry);
    else this.#entries.set(raw, [entry]);
  }
}
