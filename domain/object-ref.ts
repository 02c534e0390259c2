/** The identity of a Kubernetes object across the controller: `Kind.group/namespace/name`. */
export interface ObjectRef {
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

/** `Service/default/echo`, `Ingress.networking.k8s.io/default/echo`, `KongClusterPlugin.configuration.konghq.com//x`. */
export function objectKey(ref: ObjectRef): string {
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  return `${kind}/${ref.namespace}/${ref.name}`;
}

/** All keys of one kind start with this. */
export function kindKeyPrefix(kind: string, group: string): string {
  return `${group ? `${kind}.${group}` : kind}/`;
}

export function parseObjectKey(key: string): ObjectRef | undefined {
  const match = /^([^/.]+)(?:\.([^/]+))?\/([^/]*)\/([^/]+)$/.exec(key);
  if (!match) return undefined;
  return { kind: match[1]!, group: match[2] ?? '', namespace: match[3]!, name: match[4]! };
}

/** `kind/namespace/name` as people write it in messages (`Ingress default/echo`). */
export function describeObject(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
