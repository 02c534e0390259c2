import { deepFreeze } from '../../lib/deep-freeze.ts';
import { canonicalJson, contentHash } from '../canonical.ts';
import type { KongDeclarativeConfig } from '../declarative.ts';
import { ErrorCollector } from './errors.ts';
import { sortCollections } from './finalize.ts';
import { isRecord, keyOfRef, type ObjectRef } from './k8s-object.ts';
import { partition } from './partition.ts';
import { resolveSettings, type SettingsOverrides, type TranslateSettings } from './settings.ts';
import { type TranslateResult, translate, translateWithoutStub, withStub } from './translate.ts';

/**
 * A translator that re-translates only what changed (issue 19): the input is split into parts that translate
 * independently (kong/translate/partition.ts), each part's translation is memoised by the content of its objects,
 * the context objects and the settings, and the parts are merged into what `translate` gives for the whole input.
 * After one Ingress changed, one part (the Ingress, its Services and their EndpointSlices…) is translated again.
 *
 * The merged result is `translate(objects)`'s, byte for byte once serialised (test/unit/translate/
 * partitioned.test.ts and the differential test of incremental.test.ts): collections are concatenated and put in
 * decK's order, errors deduplicated as one ErrorCollector would and sorted the same way. When that cannot be
 * promised — the input does not split (Gateway API…), or two parts made entities that decK's order cannot tell
 * apart — it translates the whole input instead.
 *
 * Memoised parts are frozen: they are shared by every build that reuses them, so nothing may change them.
 * Memory: the parts of the last translation only.
 */
export class PartitionedTranslator {
  /** The last translation's parts by their objects' content hashes, and the settings and context they had. */
  #parts = new Map<string, TranslateResult>();
  #base = '';
  /** Parts translated (not taken from the memo) by the last call; for tests and benchmarks. */
  lastTranslatedParts = 0;

  translate(objects: readonly unknown[], given: TranslateSettings | SettingsOverrides = {}): TranslateResult {
    const settings = resolveSettings(given);
    const split = partition(objects);
    if (!split || split.parts.length < 2) {
      this.#parts.clear();
      this.lastTranslatedParts = 1;
      return translate(objects, settings);
    }
    // What every part is translated with: parts are memoised only for the last one.
    const base = `${canonicalJson(settings)}\u0000${split.context.map(hashOf).join(',')}`;
    const previous = base === this.#base ? this.#parts : undefined;
    const next = new Map<string, TranslateResult>();
    const results: TranslateResult[] = [];
    let translated = 0;
    for (const part of split.parts) {
      const key = part.map(hashOf).join(',');
      let result = next.get(key) ?? previous?.get(key);
      if (!result) {
        result = deepFreeze(translateWithoutStub([...split.context, ...part], settings));
        translated++;
      }
      next.set(key, result);
      results.push(result);
    }
    this.#parts = next;
    this.#base = base;
    this.lastTranslatedParts = translated;
    return mergeParts(results) ?? translate(objects, settings);
  }
}

function hashOf(object: unknown): string {
  return isRecord(object) ? contentHash(object) : '';
}

/** The parts' results as one translation, or undefined when their entities' order is not decided by content. */
function mergeParts(results: readonly TranslateResult[]): TranslateResult | undefined {
  const config: KongDeclarativeConfig = { _format_version: '3.0' };
  const errors = new ErrorCollector();
  const rejected = new Map<string, ObjectRef>();
  const secretValues = new Set<string>();
  for (const result of results) {
    for (const [key, value] of Object.entries(result.config)) {
      if (!Array.isArray(value)) continue;
      const list = config[key] as unknown[] | undefined;
      if (list) for (const entity of value) list.push(entity);
      else config[key] = [...value];
    }
    for (const error of result.errors) errors.add(error);
    for (const ref of result.rejected) rejected.set(keyOfRef(ref), ref);
    for (const value of result.secretValues) secretValues.add(value);
  }
  if (!sortCollections(config)) return undefined;
  const merged = withStub({
    config,
    errors: errors.sorted(),
    rejected: [...rejected.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref),
    // Only kinds that make the input one part have verdicts: every part's are the same empty ones.
    gatewayAPI: results[0]!.gatewayAPI,
    secretValues,
  });
  if (merged.config === config) {
    // Frozen (not deeply: its entities' own texts stay reusable), so it stays what its parts make.
    for (const list of Object.values(config)) if (Array.isArray(list)) Object.freeze(list);
    partConfigs.set(
      Object.freeze(config),
      results.map((result) => result.config),
    );
  }
  return merged;
}

/** Each merged config's parts (deep-frozen), for `partsOf`. */
const partConfigs = new WeakMap<KongDeclarativeConfig, readonly KongDeclarativeConfig[]>();

/**
 * The configs of the parts `config` was merged from, when a PartitionedTranslator made it (and it is not KIC's
 * stub): its collections are theirs, concatenated and sorted. Validation checks them one by one and reuses what
 * it knew of the unchanged ones (fallback.ts); undefined for any other config.
 */
export function partsOf(config: KongDeclarativeConfig): readonly KongDeclarativeConfig[] | undefined {
  return partConfigs.get(config);
}
