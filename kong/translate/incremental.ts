import { createHash } from 'node:crypto';
import { canonicalConfig, canonicalJson, contentHash } from '../canonical.ts';
import { buildWithFallback, type FallbackOptions, type FallbackResult } from './fallback.ts';
import { isRecord, keyOfRef, type ObjectRef } from './k8s-object.ts';

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
 * A builder that remembers its last build (issue 19, first step). Each build fingerprints its inputs — every
 * object's content hash (memoised by identity, so only changed objects are hashed), the settings, the fleet
 * profiles, the validation options and the exclusions — and when the fingerprint equals the previous build's,
 * returns that build whole: no translation, validation, serialisation or hashing.
 *
 * When anything changed it falls back to the full path (`buildWithFallback` + `canonicalConfig`) for that build.
 * Per-object memoisation of translation is not done yet, because the translator's steps are not per object:
 * Ingress path conflicts and TLS claims are decided across Ingresses (ingress-conflicts.ts, ingress.ts), several
 * Ingresses merge into one Kong service per backend, upstreams and targets merge across routing objects
 * (upstreams.ts), plugin bindings and consumers resolve across namespaces, Gateway API attachment reads every
 * Gateway and ReferenceGrant, and finalize.ts orders and fills IDs over the whole config. Reproducing that
 * ordering and dedup exactly from per-object parts is the remaining work; the differential test
 * (test/unit/translate/incremental.test.ts) is the check any such change must pass.
 *
 * Pure apart from its memory of the last build; objects must be treated as immutable (a changed object is a new
 * object), as the snapshot cache and informers give them.
 */
export class IncrementalBuilder {
  #last: { fingerprint: string; build: IncrementalBuild } | undefined;

  build(objects: readonly unknown[], given: FallbackOptions = {}): IncrementalBuild {
    // `exclude` may be a one-shot iterator (a Map's keys): read it once, for the fingerprint and the build.
    const options: FallbackOptions = given.exclude ? { ...given, exclude: [...given.exclude] } : given;
    const fingerprint = fingerprintOf(objects, options);
    if (fingerprint !== undefined && this.#last?.fingerprint === fingerprint) {
      return { ...this.#last.build, reused: true };
    }
    const result = buildWithFallback(objects, options);
    const { text, hash } = canonicalConfig(result.config);
    const build: IncrementalBuild = { ...result, text, hash, reused: false };
    this.#last = fingerprint === undefined ? undefined : { fingerprint, build };
    return build;
  }
}

/**
 * Everything a fallback build reads, as one digest; undefined when it cannot be told (a caller's own validator
 * function has no content to compare, so such builds always take the full path).
 */
function fingerprintOf(objects: readonly unknown[], options: FallbackOptions): string | undefined {
  if (typeof options.validate === 'function') return undefined;
  const digest = createHash('sha1');
  const exclude = [...(options.exclude ?? [])]
    .map((item) => (typeof item === 'string' ? item : keyOfRef(item as ObjectRef)))
    .sort();
  digest.update(
    canonicalJson({
      settings: options.settings ?? null,
      profiles: options.profiles ?? null,
      validate: options.validate ?? null,
      validation: options.validation ?? null,
      maxIterations: options.maxIterations ?? null,
      exclude,
    }),
  );
  // In the given order: the same objects in another order only miss the memo (the build itself is
  // order-independent, see determinism.test.ts).
  for (const object of objects) {
    digest.update('\u0000');
    digest.update(isRecord(object) ? contentHash(object) : `~${JSON.stringify(object) ?? typeof object}`);
  }
  return digest.digest('hex');
}
