import { canonicalConfig, canonicalJson, contentHash } from '../canonical.ts';
import { buildWithFallback, type FallbackOptions, type FallbackResult } from './fallback.ts';
import { isRecord, keyOfRef, type ObjectRef } from './k8s-object.ts';
import { PartitionedTranslator } from './partitioned.ts';
import type { TranslateSettings } from './settings.ts';

/** A fallback build with its canonical text and hash (what the build job stores and pushes). */
export interface IncrementalBuild extends FallbackResult {
  /** `canonicalJson(config)`: byte-identical to a full build's. */
  readonly text: string;
  /** Kong's configuration hash of `text`. */
  readonly hash: string;
  /** True when nothing the build reads changed since the previous build and its result was reused whole. */
  readonly reused: boolean;
}

/**
 * A builder that remembers its last build (issue 19). Each build fingerprints its inputs — every object's content
 * hash (memoised by identity, so only changed objects are hashed), the settings, the fleet profiles, the
 * validation options and the exclusions — and when the fingerprint equals the previous build's, returns that
 * build whole: no translation, validation, serialisation or hashing.
 *
 * When anything changed it runs the fallback build with a PartitionedTranslator (partitioned.ts): only the parts
 * of the input holding a changed object are translated again, and their entities are deep-frozen and reused by
 * the next builds. Validation checks the parts one by one and reuses the verdicts of unchanged ones (fallback.ts,
 * `validateDeclarativeParts`); the canonical text reuses each reused entity's text; only the text's MD5 still
 * covers the whole config. Inputs with Gateway API objects (and the other kinds partition.ts names) do not split
 * and are translated and validated whole. The differential tests (test/unit/translate/incremental.test.ts,
 * partitioned.test.ts) are the check any change here must pass.
 *
 * Pure apart from its memory of the last build; objects must be treated as immutable (a changed object is a new
 * object), as the snapshot cache and informers give them.
 */
export class IncrementalBuilder {
  #last: { fingerprint: Fingerprint; build: IncrementalBuild } | undefined;
  readonly #translator = new PartitionedTranslator();
  readonly #translate = (objects: readonly unknown[], settings: TranslateSettings) =>
    this.#translator.translate(objects, settings);

  build(objects: readonly unknown[], given: FallbackOptions = {}): IncrementalBuild {
    // `exclude` may be a one-shot iterator (a Map's keys): read it once, for the fingerprint and the build.
    const options: FallbackOptions = given.exclude ? { ...given, exclude: [...given.exclude] } : given;
    const fingerprint = fingerprintOf(objects, options);
    if (fingerprint !== undefined && this.#last && sameFingerprint(this.#last.fingerprint, fingerprint)) {
      return { ...this.#last.build, reused: true };
    }
    const result = buildWithFallback(objects, options, this.#translate);
    const { text, hash } = canonicalConfig(result.config);
    const build: IncrementalBuild = { ...result, text, hash, reused: false };
    this.#last = fingerprint === undefined ? undefined : { fingerprint, build };
    return build;
  }
}

/** Everything a fallback build reads: the options as text, and each object's content hash in the given order. */
interface Fingerprint {
  readonly options: string;
  readonly objects: readonly string[];
}

/**
 * The fingerprint of a build's inputs; undefined when it cannot be told (a caller's own validator function has no
 * content to compare, so such builds always take the full path).
 */
function fingerprintOf(objects: readonly unknown[], options: FallbackOptions): Fingerprint | undefined {
  if (typeof options.validate === 'function') return undefined;
  const exclude = [...(options.exclude ?? [])]
    .map((item) => (typeof item === 'string' ? item : keyOfRef(item as ObjectRef)))
    .sort();
  const text = canonicalJson({
    settings: options.settings ?? null,
    profiles: options.profiles ?? null,
    validate: options.validate ?? null,
    validation: options.validation ?? null,
    maxIterations: options.maxIterations ?? null,
    exclude,
  });
  // In the given order: the same objects in another order only miss the memo (the build itself is
  // order-independent, see determinism.test.ts). Kept as a list, not digested: comparing it with the last
  // build's costs less than hashing it, and content hashes are memoised per object.
  const hashes = objects.map((object) =>
    isRecord(object) ? contentHash(object) : `~${JSON.stringify(object) ?? typeof object}`,
  );
  return { options: text, objects: hashes };
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  if (a.options !== b.options || a.objects.length !== b.objects.length) return false;
  for (let i = 0; i < a.objects.length; i++) if (a.objects[i] !== b.objects[i]) return false;
  return true;
}
