/**
 * What `validateDeclarativeParts` remembers for the next validations, for callers that validate one config after
 * another where most of it is the very same immutable parts (the controller's builds: its translator reuses the
 * configs of every part of the cluster that did not change): the summary of each part that passed alone. Only
 * parts the caller vouches for (`isImmutable`, which must mean "neither it nor anything in it can ever change")
 * are remembered, and only successes. Entries are weakly held.
 *
 * Entities are not memoised one by one: a changed part holds new entities anyway, and the processed records
 * (every field with its default) of a large config would cost more memory than their checks cost time.
 */
import type { Registry } from './entities/registry.ts';

/** A part that passed alone: what `validateDeclarativeParts` compares across parts. */
export interface PartSummary {
  readonly keys: readonly string[];
  readonly entityCount: number;
  readonly meta: Readonly<Record<string, unknown>>;
}

export class ValidationMemo {
  readonly #isImmutable: (value: object) => boolean;
  /** Per part config, per registry (Kong minor, router flavor, edition) it passed with. */
  readonly #parts = new WeakMap<object, Map<Registry, PartSummary>>();

  /** @param isImmutable true only for objects that neither change nor hold anything that changes */
  constructor(isImmutable: (value: object) => boolean) {
    this.#isImmutable = isImmutable;
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
