/**
 * The identity of a Kubernetes object across the controller: the watcher's and the state store's keys, the
 * translator's entity tags, fallback exclusions and Events all name objects with this one type and one key.
 */
export interface ObjectRef {
  readonly kind: string;
  /** API group; '' for the core group (KIC's `k8s-group:core` tag reads as ''). */
  readonly group: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** Not part of the identity: two refs that differ only in version or uid name the same object. */
  readonly version?: string;
  /** Not part of the identity. */
  readonly uid?: string;
}

/**
 * The key of an object, always carrying its API group: `Kind.group/namespace/name`, `Kind/namespace/name` for
 * the core group (kinds never contain a dot, so no dot means core), an empty namespace for cluster-scoped
 * objects. `Service/default/echo`, `Ingress.networking.k8s.io/default/echo`,
 * `KongClusterPlugin.configuration.konghq.com//x`.
 */
export function objectKey(ref: ObjectRef): string {
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  return `${kind}/${ref.namespace}/${ref.name}`;
}

/** All keys of one kind start with this. */
export function kindKeyPrefix(kind: string, group: string): string {
  return `${group ? `${kind}.${group}` : kind}/`;
}

/** The ref an `objectKey` names (without version and uid), or undefined when the text is not one. */
export function parseObjectKey(key: string): ObjectRef | undefined {
  const match = /^([^/.]+)(?:\.([^/]+))?\/([^/]*)\/([^/]+)$/.exec(key);
  if (!match) return undefined;
  return { kind: match[1]!, group: match[2] ?? '', namespace: match[3]!, name: match[4]! };
}

/** `kind/namespace/name` as people write it in messages (`Ingress default/echo`). */
export function describeObject(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** `Kind/namespace/name` (`Kind/name` when cluster-scoped), the short form fallback reasons use. */
export function shortObjectName(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}
