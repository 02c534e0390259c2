import {
  configMapAdmittedByLabels,
  configMapReferencesOf,
  secretAdmittedByLabels,
  secretReferencesOf,
} from '../kong/translate/secret-references.ts';

/** A Kubernetes object as a watcher hands it over; read as the translator reads it. */
type WatchedObject = object;
type TranslatorObject = Parameters<typeof secretReferencesOf>[0];

/** What a gate admits: the objects others reference, and those wanted by their own labels. */
export interface GateRule {
  readonly referencesOf: (referrer: TranslatorObject) => string[];
  readonly admittedByLabels: (object: TranslatorObject) => boolean;
}

/** The same gate for ConfigMaps: those a Service's `konghq.com/ca-certificates-configmaps` names, CA ConfigMaps. */
export function configMapGate(): SecretGate {
  return new SecretGate(
    {},
    { referencesOf: configMapReferencesOf, admittedByLabels: configMapAdmittedByLabels },
  );
}

/**
 * Which Secrets the controller may store: those some watched object references (as the translator
 * reads them) and those admitted by label (CA certificates, the secret label selector setting).
 * Follows the referencing objects as their watchers see them; when a Secret gains or loses its
 * last reference, `onChange` names it so the Secret watcher stores or removes it — whichever of the
 * two objects arrived first.
 */
export class SecretGate {
  readonly #rule: GateRule;
  /** Referrer object key → the Secrets (`namespace/name`) it references. */
  readonly #byReferrer = new Map<string, readonly string[]>();
  /** Secret (`namespace/name`) → how many referrers name it. */
  readonly #counts = new Map<string, number>();
  #onChange: (secret: string) => void = () => {};

  constructor(selector: Readonly<Record<string, string>> = {}, rule?: GateRule) {
    this.#rule = rule ?? {
      referencesOf: secretReferencesOf,
      admittedByLabels: (secret) => secretAdmittedByLabels(secret, selector),
    };
  }

  /** Called with each Secret (`namespace/name`) whose referenced state flipped. */
  set onChange(listener: (secret: string) => void) {
    this.#onChange = listener;
  }

  admits(secret: WatchedObject): boolean {
    const metadata = (secret as { metadata?: { namespace?: string; name?: string } }).metadata;
    return (
      this.#counts.has(`${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`) ||
      this.#rule.admittedByLabels(secret as TranslatorObject)
    );
  }

  /** A referring object was stored (`object`) or deleted (undefined). */
  observe(referrerKey: string, object: WatchedObject | undefined): void {
    const before = this.#byReferrer.get(referrerKey) ?? [];
    const after = object ? this.#rule.referencesOf(object as TranslatorObject) : [];
    if (after.length > 0) this.#byReferrer.set(referrerKey, after);
    else this.#byReferrer.delete(referrerKey);
    for (const secret of after) if (!before.includes(secret)) this.#count(secret, +1);
    for (const secret of before) if (!after.includes(secret)) this.#count(secret, -1);
  }

  /** After a full list of one kind: referrers under `keyPrefix` that the list lacks are gone. */
  observeList(keyPrefix: string, listed: ReadonlySet<string>): void {
    for (const key of [...this.#byReferrer.keys()]) {
      if (key.startsWith(keyPrefix) && !listed.has(key)) this.observe(key, undefined);
    }
  }

  #count(secret: string, delta: number): void {
    const count = (this.#counts.get(secret) ?? 0) + delta;
    if (count > 0) this.#counts.set(secret, count);
    else this.#counts.delete(secret);
    if ((count > 0 && count === delta) || count <= 0) this.#onChange(secret);
  }
}
