import { shortObjectName } from '../../domain/object-ref.ts';
import { type K8sObject, keyOfRef, type ObjectRef, refOf } from './k8s-object.ts';

/**
 * A problem with one Kubernetes object. `dropped` tells whether the object (and what depends on it) was left out
 * of the config; when false, the offending value was ignored (KIC's behaviour) and the rest of the object shipped.
 * Reasons never contain Secret values.
 */
export interface ObjectError {
  object: ObjectRef;
  reason: string;
  dropped?: boolean;
}

/** Collects per-object errors during one build, deduplicated and in a stable order. */
export class ErrorCollector {
  private readonly seen = new Set<string>();
  readonly errors: ObjectError[] = [];
  /** Objects that could not be translated at all, by key: the fallback excludes their dependants. */
  readonly rejected = new Map<string, ObjectRef>();

  /** The whole object is unusable (bad plugin config, invalid policy…); what depends on it must not ship either. */
  reject(obj: K8sObject, reason: string): void {
    const ref = refOf(obj);
    this.rejected.set(keyOfRef(ref), ref);
    this.push(obj, reason, true);
  }

  /** The object was (partly) not translated. */
  drop(obj: K8sObject | ObjectRef, reason: string): void {
    this.push(obj, reason, true);
  }

  /** A value was ignored; the object itself still shipped. */
  warn(obj: K8sObject | ObjectRef, reason: string): void {
    this.push(obj, reason, false);
  }

  private push(obj: K8sObject | ObjectRef, reason: string, dropped: boolean): void {
    const ref = isRef(obj) ? obj : refOf(obj);
    this.add({ object: ref, reason, dropped });
  }

  /** Takes an error as it is, unless one for the same object and reason is there already. */
  add(error: ObjectError): void {
    const key = `${keyOfRef(error.object)}\u0000${error.reason}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.errors.push(error);
  }

  /**
   * Errors sorted by object (`Kind/namespace/name`, then the group) then reason, so output does not depend on
   * input order.
   */
  sorted(): ObjectError[] {
    const sortKey = (e: ObjectError) =>
      `${shortObjectName(e.object)}\u0000${e.reason}\u0000${e.object.group}`;
    const keyed = this.errors.map((e) => [sortKey(e), e] as const);
    keyed.sort(([ka], [kb]) => (ka < kb ? -1 : ka > kb ? 1 : 0));
    return keyed.map(([, e]) => e);
  }
}

function isRef(value: K8sObject | ObjectRef): value is ObjectRef {
  return typeof value.kind === 'string' && typeof value.name === 'string' && !('metadata' in value);
}

/** One line per error, as the CLI prints them: `Kind namespace/name: reason`. */
export function formatObjectError(error: ObjectError): string {
  const { kind, namespace, name } = error.object;
  const where = namespace ? `${namespace}/${name}` : name;
  return `${kind || '<no kind>'} ${where || '<no name>'}: ${error.reason}`;
}
