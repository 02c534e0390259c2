/**
 * What validations remember for the next ones, for callers that validate one config after another where most of
 * it is the very same immutable objects (the controller's builds: its translator reuses the entities, and the
 * configs, of every part of the cluster that did not change): the schema check of each entity, and the summary of
 * each part that passed alone (`validateDeclarativeParts`). Only objects the caller vouches for (`isImmutable`,
 * which must mean "neither it nor anything in it can ever change") are remembered, and only successes: a failure
 * is checked again, so its error table is built fresh for the 400 body each time. Entries are weakly held.
 */
import type { EntityType, Registry } from './entities/registry.ts';
import type { Rec } from './schema.ts';

/** A part that passed alone: what `validateDeclarativeParts` compares across parts. */
export interface PartSummary {
  readonly keys: readonly string[];
  readonly entityCount: number;
  readonly meta: Readonly<Record<string, unknown>>;
}

interface Entry {
  type: EntityType;
  omit: string | undefined;
  /** The processed record as the check returned it; never handed out itself (the caller changes its copy). */
  processed: Rec;
}

export class ValidationMemo {
  readonly #isImmutable: (value: object) => boolean;
  /** Usually one entry per entity; an entity checked as another type or nesting gets another. */
  readonly #entries = new WeakMap<object, Entry[]>();
  /** Per part config, per registry (Kong minor, router flavor, edition) it passed with. */
  readonly #parts = new WeakMap<object, Map<Registry, PartSummary>>();

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

  /** The summary of `part` when it passed alone with `registry` before. */
  part(registry: Registry, part: unknown): PartSummary | undefined {
    return part !== null && typeof part === 'object' ? this.#parts.get(part)?.get(registry) : undefined;
  }

  /** Remembers that `part` passed alone with `registry`, if the caller vouches for it. */
  rememberPart(registry: Registry, part: unknown, summary: PartSummary): void {
    if (part === null || typeof part !== 'object' || !this.#isImmutable(part)) return;
    let byRegistry = this.#parts.get(part);
    if (!byRegistry) {
      byRegistry = new Map();
      this.#parts.set(part, byRegistry);
    }
    byRegistry.set(registry, summary);
  }
}
