import type {
  FlattenedError,
  KongConfigError,
  KongEdition,
  RouterFlavor,
  ValidationVerdict,
} from '@kong-fleet/kong-dbless';
import { ValidationMemo, validateDeclarativeConfig, validateDeclarativeParts } from '@kong-fleet/kong-dbless';
import { parseObjectKey, shortObjectName } from '../../domain/object-ref.ts';
import { isDeepFrozen } from '../../lib/deep-freeze.ts';
import type { KongDeclarativeConfig } from '../declarative.ts';
import { describeEntityError, trimDescription } from '../kong-errors.ts';
import { SecretRedactor } from '../redact-secrets.ts';
import { exclusionClosure } from './dependencies.ts';
import { ErrorCollector, type ObjectError } from './errors.ts';
import { isRecord, type K8sObject, keyOf, keyOfRef, type ObjectRef, refOf } from './k8s-object.ts';
import { partsOf } from './partitioned.ts';
import { resolveSettings, type SettingsOverrides, type TranslateSettings } from './settings.ts';
import { Snapshot } from './snapshot.ts';
import { type TranslateResult, translate } from './translate.ts';
import { lowestKongVersion } from './version-gates.ts';

export interface FallbackOptions {
  settings?: TranslateSettings | SettingsOverrides;
  /**
   * Objects to leave out from the start, with everything that depends on them: e.g. those a real proxy rejected
   * with a 400 (mapped from `flattened_errors[].entity_tags`). Object keys (`Kind.group/namespace/name`, see
   * domain/object-ref.ts) or ObjectRefs.
   */
  exclude?: Iterable<ObjectRef | string>;
  /**
   * Local validation of each build; `false` turns it off (then the first build is returned).
   * @defaultValue the shared Kong validator (`@kong-fleet/kong-dbless`) for the settings' Kong version and router
   */
  validate?: false | ((config: KongDeclarativeConfig) => ValidationVerdict);
  /** Edition and router flavor for the default validator. @defaultValue community; expressions iff ExpressionRoutes, else traditional */
  validation?: { edition?: KongEdition; routerFlavor?: RouterFlavor };
  /**
   * What the proxies report (`GET /`): the default validator checks the build against each distinct
   * profile, and an object any of them would reject is dropped. Empty or absent: `validation` and the
   * settings' Kong version. Translation is gated by the lowest of their Kong versions (version-gates.ts).
   */
  profiles?: readonly ValidatorProfile[];
  /** Bound on translate → validate rounds. @defaultValue 5 */
  maxIterations?: number;
}

/** The version, router flavor and edition a Kong node validates a config with. */
export interface ValidatorProfile {
  readonly kongVersion: string;
  readonly routerFlavor: RouterFlavor;
  readonly edition: KongEdition;
}

/** A verdict, and who gave it (for the reasons: "Kong 3.9.1 (traditional_compatible) would reject …"). */
type Validator = (config: KongDeclarativeConfig) => { verdict: ValidationVerdict; rejecter: string };

export interface ExcludedObject {
  object: ObjectRef;
  reason: string;
}

export interface FallbackResult extends TranslateResult {
  /** Objects left out of the build, broken ones and their dependants, each with the reason. */
  excluded: ExcludedObject[];
  /** Number of translate (→ validate) rounds run. */
  iterations: number;
  /** Whether the returned config passed local validation (undefined when validation is off). */
  valid: boolean | undefined;
  /** The validator's 400 body when the last round still failed and could not be narrowed to objects. */
  validationError?: KongConfigError;
  /** True when nothing translated and `config` is KIC's stub; callers keep their last good build instead. */
  empty: boolean;
}

/**
 * The fallback build (KIC's FallbackConfiguration): translate → validate → map failing entities back to
 * Kubernetes objects through their `k8s-*` tags → exclude those objects and everything depending on them
 * (KIC's dependency graph) → translate again, until the validator accepts or `maxIterations` is reached.
 * Everything else still ships; excluded objects are reported in `errors` too.
 */
export function buildWithFallback(
  objects: readonly unknown[],
  options: FallbackOptions = {},
  translator: (objects: readonly unknown[], settings: TranslateSettings) => TranslateResult = translate,
): FallbackResult {
  const full = gatedSettings(resolveSettings(options.settings), options.profiles);
  // The dependency graph is only needed once something is excluded (rare): build it lazily.
  let graph: Snapshot | undefined;
  const all = objects.filter(isRecord) as K8sObject[];
  let knownMap: Map<string, K8sObject> | undefined;
  const known = () => (knownMap ??= new Map(all.map((o) => [keyOf(o), o])));
  const broken = new Map<string, string>();
  for (const item of options.exclude ?? []) {
    const key = typeof item === 'string' ? item : keyOfRef(item);
    broken.set(key, 'rejected by Kong');
  }
  const validate: Validator | undefined =
    options.validate === false
      ? undefined
      : options.validate
        ? ((custom) => (config: KongDeclarativeConfig) => ({ verdict: custom(config), rejecter: 'Kong' }))(
            options.validate,
          )
        : defaultValidator(full, options);
  const max = Math.max(1, options.maxIterations ?? 5);

  // Every round's Secret-sourced values: a reason may name an entity of an object a later round excluded.
  const secretValues = new Set<string>();
  let iterations = 0;
  for (;;) {
    iterations++;
    let closure: ReadonlyMap<string, string | undefined> = new Map();
    let kept: readonly unknown[] = objects;
    if (broken.size > 0) {
      graph ??= new Snapshot(objects, full, new ErrorCollector());
      closure = exclusionClosure(graph, all, new Set(broken.keys()));
      kept = objects.filter((o) => !isRecord(o) || !closure.has(keyOf(o)));
    }
    const translated = translator(kept, full);
    for (const value of translated.secretValues) secretValues.add(value);
    const result: TranslateResult = { ...translated, secretValues };
    const excluded = closure.size > 0 ? describeExclusions(closure, known(), broken) : [];
    const errors = mergeErrors(result.errors, excluded);
    const empty = isStub(result.config);
    // Objects that failed translation outright take their dependants with them, before any validation.
    const failed = result.rejected.filter((ref) => !broken.has(keyOfRef(ref)) && known().has(keyOfRef(ref)));
    if (failed.length > 0 && iterations < max) {
      for (const ref of failed) {
        const error = result.errors.find((e) => keyOfRef(e.object) === keyOfRef(ref) && e.dropped);
        broken.set(keyOfRef(ref), `translation failed: ${error?.reason ?? 'see errors'}`);
      }
      continue;
    }
    if (!validate) return { ...result, errors, excluded, iterations, valid: undefined, empty };
    const { verdict, rejecter } = validate(result.config);
    if (verdict.ok) return { ...result, errors, excluded, iterations, valid: true, empty };
    const redactor = new SecretRedactor(secretValues);
    const culprits = culpritsOf(verdict.error.flattened_errors ?? [], rejecter, known(), broken, redactor);
    if (culprits.size === 0 || iterations >= max) {
      return { ...result, errors, excluded, iterations, valid: false, validationError: verdict.error, empty };
    }
    for (const [key, reason] of culprits) broken.set(key, reason);
  }
}

/**
 * The settings translation runs with: gated by the lowest Kong version the proxies report, so no proxy is sent
 * a feature it does not have (version-gates.ts); the settings' own version when none has reported yet.
 */
function gatedSettings(
  settings: TranslateSettings,
  profiles: readonly ValidatorProfile[] | undefined,
): TranslateSettings {
  const lowest = lowestKongVersion((profiles ?? []).map((p) => p.kongVersion));
  return lowest === undefined || lowest === settings.kongVersion
    ? settings
    : { ...settings, kongVersion: lowest };
}

function defaultValidator(settings: TranslateSettings, options: FallbackOptions): Validator {
  const profiles = distinctProfiles(options.profiles ?? []);
  if (profiles.length === 0) {
    profiles.push({
      kongVersion: settings.kongVersion,
      routerFlavor:
        options.validation?.routerFlavor ??
        (settings.featureFlags.ExpressionRoutes ? 'expressions' : 'traditional'),
      edition:
        options.validation?.edition ?? (settings.featureFlags.EnterpriseEdition ? 'enterprise' : 'community'),
    });
  }
  const name = (p: ValidatorProfile) =>
    profiles.length === 1 ? 'Kong' : `Kong ${p.kongVersion} (${p.routerFlavor}, ${p.edition})`;
  return (config) => {
    // The first profile that rejects the build names the culprits; the next round checks every profile again.
    let verdict: ValidationVerdict | undefined;
    for (const profile of profiles) {
      verdict = validateWith(profile, config);
      if (!verdict.ok) return { verdict, rejecter: name(profile) };
    }
    return { verdict: verdict!, rejecter: 'Kong' };
  };
}

/**
 * The parts that passed validation alone, kept between builds (weakly held): after one change, only the part
 * translated again is validated. Parts are deep-frozen by the partitioned translator, so what passed stays so.
 */
const validationMemo = new ValidationMemo(isDeepFrozen);

function validateWith(profile: ValidatorProfile, config: KongDeclarativeConfig): ValidationVerdict {
  // Only the verdict and the errors are used: skip building Kong's 201 body; deterministic clock and ids.
  let counter = 0;
  const options = {
    ...profile,
    now: () => 0,
    randomUuid: () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`,
  };
  // A config merged from parts passes when its parts pass alone and share no unique value; when that cannot
  // be told (a part fails, values repeat), the whole config is validated, for Kong's exact errors.
  const parts = partsOf(config);
  const verdict = parts ? validateDeclarativeParts(parts, { ...options, memo: validationMemo }) : undefined;
  return verdict ?? validateDeclarativeConfig(config, { ...options, output: 'errors-only' });
}

function distinctProfiles(profiles: readonly ValidatorProfile[]): ValidatorProfile[] {
  const byKey = new Map<string, ValidatorProfile>();
  for (const p of profiles) byKey.set(`${p.kongVersion}\u0000${p.routerFlavor}\u0000${p.edition}`, p);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}

/** Objects named by the failing entities' `k8s-*` tags (only objects of this snapshot, not yet excluded). */
function culpritsOf(
  flattened: readonly FlattenedError[],
  rejecter: string,
  known: ReadonlyMap<string, K8sObject>,
  broken: ReadonlyMap<string, string>,
  redactor: SecretRedactor,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const entity of flattened) {
    const ref = refFromTags(entity.entity_tags ?? []);
    const key = ref ? keyOfRef(ref) : customEntityCulprit(entity, known);
    if (key === undefined) continue;
    if (!known.has(key) || broken.has(key)) continue;
    // Kong's errors name the entity (an oauth2 credential's `name` comes out of its Secret): redact by provenance
    // too, before cutting, so no part of a value survives a cut.
    const described = redactor.redactText(describeEntityError(entity));
    const reason = `${rejecter} would reject ${trimDescription(described, 300)}`;
    out.set(key, out.has(key) ? `${out.get(key)}; ${reason}` : reason);
  }
  return out;
}

/**
 * Custom entities carry no tags (KIC emits none): find the KongCustomEntity of that collection whose
 * `spec.fields` the rejected entity holds.
 */
function customEntityCulprit(
  entity: FlattenedError,
  known: ReadonlyMap<string, K8sObject>,
): string | undefined {
  const collections = [entity.entity_type, `${entity.entity_type}s`];
  for (const [key, obj] of known) {
    if (obj.kind !== 'KongCustomEntity') continue;
    const spec = (obj.spec ?? {}) as { type?: unknown; fields?: unknown };
    if (typeof spec.type !== 'string' || !collections.includes(spec.type) || !isRecord(spec.fields)) continue;
    const fields = spec.fields;
    if (Object.keys(fields).every((f) => JSON.stringify(fields[f]) === JSON.stringify(entity.entity[f])))
      return key;
  }
  return undefined;
}

/**
 * `k8s-kind:`, `k8s-namespace:`, `k8s-name:` (… `k8s-group:`, `k8s-version:`, `k8s-uid:`) tags → ObjectRef. KIC
 * omits `k8s-group` for the core group, or writes `k8s-group:core` (its placeholder Service): both read as ''.
 */
export function refFromTags(tags: readonly string[]): ObjectRef | undefined {
  const get = (prefix: string) => tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
  const kind = get('k8s-kind:');
  const name = get('k8s-name:');
  if (!kind || !name) return undefined;
  const group = get('k8s-group:');
  const version = get('k8s-version:');
  const uid = get('k8s-uid:');
  return {
    kind,
    group: group === undefined || group === 'core' ? '' : group,
    namespace: get('k8s-namespace:') ?? '',
    name,
    ...(version ? { version } : {}),
    ...(uid ? { uid } : {}),
  };
}

function describeExclusions(
  closure: ReadonlyMap<string, string | undefined>,
  known: ReadonlyMap<string, K8sObject>,
  broken: ReadonlyMap<string, string>,
): ExcludedObject[] {
  const out: { sortKey: string; excluded: ExcludedObject }[] = [];
  for (const [key, cause] of closure) {
    const obj = known.get(key);
    const object = obj ? refOf(obj) : refFromKey(key);
    const reason =
      cause === undefined
        ? (broken.get(key) ?? 'excluded')
        : `depends on ${shortName(cause)}, which is excluded`;
    out.push({ sortKey: `${shortObjectName(object)}\u0000${key}`, excluded: { object, reason } });
  }
  // In `Kind/namespace/name` order, as people read the list.
  return out
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((e) => e.excluded);
}

/** An excluded object's key as reasons name it (`KongPlugin/default/auth`); text that is no key stays as it is. */
function shortName(key: string): string {
  const ref = parseObjectKey(key);
  return ref ? shortObjectName(ref) : key;
}

function refFromKey(key: string): ObjectRef {
  return parseObjectKey(key) ?? { kind: '', group: '', namespace: '', name: key };
}

function mergeErrors(errors: readonly ObjectError[], excluded: readonly ExcludedObject[]): ObjectError[] {
  return [
    ...excluded.map((e) => ({
      object: e.object,
      reason: `excluded from the build: ${e.reason}`,
      dropped: true,
    })),
    ...errors,
  ];
}

function isStub(config: KongDeclarativeConfig): boolean {
  const keys = Object.keys(config);
  return (
    keys.length === 2 &&
    Array.isArray(config.upstreams) &&
    config.upstreams.length === 1 &&
    config.upstreams[0]?.name === 'kong' &&
    config.upstreams[0].algorithm === undefined
  );
}
