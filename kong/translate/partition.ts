import { A, commaList } from './annotations.ts';
import { ingressBackends, pluginSecretRefs } from './dependencies.ts';
import {
  annotationsOf,
  isRecord,
  kindOf,
  labelsOf,
  nameOf,
  namespaceOf,
  rec,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';
import { pluginReferences, referencedNamespace } from './plugin-references.ts';
import { KNOWN_KINDS } from './snapshot.ts';

/**
 * Objects split into parts that translate independently (issue 19, incremental translation): translating each
 * part on its own, together with the context objects, and merging the parts (kong/translate/partitioned.ts) gives
 * the config, errors and verdicts that translating everything at once gives.
 *
 * Two objects belong to one part when they share a key: an object's own key, and one for each object it may read
 * or be read with. The keys follow every cross-object step of the translator:
 * - an Ingress: its backends' Services, its hosts (path claims and TLS SNIs are decided per host across
 *   Ingresses), its TLS Secrets, plugins, upstream policy and KongIngress;
 * - a Service: its plugins, upstream policy, KongIngress, client certificate and CA Secrets and ConfigMaps;
 *   an EndpointSlice: its Service;
 * - a KongPlugin or KongClusterPlugin: the Secrets its config comes from; a plugin reference names both the
 *   KongPlugin and the KongClusterPlugin it may resolve to (KIC's precedence is decided inside one part);
 * - all KongConsumers and KongConsumerGroups share one key (usernames, credentials and groups are checked across
 *   them), as do all KongVaults (prefixes) and all global KongClusterPlugins (one per plugin name).
 *
 * Context objects (IngressClass, IngressClassParameters, Namespace) are read by every part and translate to no
 * entity: each part is translated with all of them. Kinds whose translation reads across objects in ways not
 * keyed here (Gateway API attachment, TCPIngress/UDPIngress, KongServiceFacade, KongCustomEntity) make the input
 * one part: `partition` returns undefined and the caller translates everything at once.
 *
 * Pure; keys are memoised by object identity (inputs are immutable: a changed object is a new object).
 */
export interface Partition {
  /** Read by every part; never in `parts`. */
  readonly context: readonly unknown[];
  /** Each part's objects in input order; parts in the order of their first object. */
  readonly parts: readonly (readonly unknown[])[];
}

const CONTEXT_KINDS: ReadonlySet<string> = new Set(['IngressClass', 'IngressClassParameters', 'Namespace']);

const WHOLE_KINDS: ReadonlySet<string> = new Set([
  'Gateway',
  'GatewayClass',
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'UDPRoute',
  'TLSRoute',
  'ReferenceGrant',
  'BackendTLSPolicy',
  'TCPIngress',
  'UDPIngress',
  'KongServiceFacade',
  'KongCustomEntity',
]);

/** What an object is to the partition: read by all, forcing one part, ignored by the translator, or its keys. */
type Role = 'context' | 'whole' | 'ignored' | readonly string[];

const roles = new WeakMap<object, Role>();

export function partition(objects: readonly unknown[]): Partition | undefined {
  const context: unknown[] = [];
  const keyed: Array<{ object: unknown; keys: readonly string[] }> = [];
  for (const object of objects) {
    const role = roleOf(object);
    if (role === 'whole') return undefined;
    if (role === 'ignored') continue;
    if (role === 'context') context.push(object);
    else keyed.push({ object, keys: role });
  }
  const sets = new DisjointSets(keyed.length);
  const ownerOfKey = new Map<string, number>();
  keyed.forEach(({ keys }, i) => {
    for (const key of keys) {
      const owner = ownerOfKey.get(key);
      if (owner === undefined) ownerOfKey.set(key, i);
      else sets.union(owner, i);
    }
  });
  const byRoot = new Map<number, unknown[]>();
  keyed.forEach(({ object }, i) => {
    const root = sets.find(i);
    const part = byRoot.get(root);
    if (part) part.push(object);
    else byRoot.set(root, [object]);
  });
  return { context, parts: [...byRoot.values()] };
}

function roleOf(object: unknown): Role {
  if (!isRecord(object)) return 'ignored';
  let role = roles.get(object);
  if (role === undefined) {
    role = computeRole(object);
    roles.set(object, role);
  }
  return role;
}

function computeRole(obj: Record<string, unknown>): Role {
  const kind = kindOf(obj);
  // The Snapshot skips unknown kinds silently (an object without a name it reports: that stays a part of its own).
  if (!KNOWN_KINDS.has(kind)) return 'ignored';
  if (CONTEXT_KINDS.has(kind)) return 'context';
  if (WHOLE_KINDS.has(kind)) return 'whole';
  const ns = namespaceOf(obj);
  const anns = annotationsOf(obj);
  const keys: string[] = [objectKey(kind, ns, nameOf(obj))];
  const plugins = () => {
    for (const ref of pluginReferences(obj)) {
      keys.push(objectKey('KongPlugin', referencedNamespace(obj, ref), ref.name));
      keys.push(objectKey('KongClusterPlugin', '', ref.name));
    }
  };
  const referenced = (kind: string, name: unknown) => {
    const n = str(name);
    if (n !== undefined && n !== '') keys.push(objectKey(kind, ns, n));
  };
  // As service-overrides.ts reads these lists: comma separated, trimmed.
  const commaSeparated = (kind: string, annotation: string) => {
    for (const name of commaList(anns, annotation) ?? []) referenced(kind, name.trim());
  };
  switch (kind) {
    case 'Ingress': {
      plugins();
      referenced('KongUpstreamPolicy', anns[A.upstreamPolicy]);
      referenced('KongIngress', anns[A.override]);
      for (const rule of records(specOf(obj).rules)) keys.push(`host:${str(rule.host) ?? ''}`);
      for (const backend of ingressBackends(obj)) {
        referenced('Service', rec(backend?.service)?.name);
        const resource = rec(backend?.resource);
        if (resource) referenced(str(resource.kind) ?? '', resource.name);
      }
      for (const tls of records(specOf(obj).tls)) {
        referenced('Secret', tls.secretName);
        for (const host of strings(tls.hosts)) keys.push(`host:${host}`);
      }
      break;
    }
    case 'Service':
      plugins();
      referenced('KongUpstreamPolicy', anns[A.upstreamPolicy]);
      referenced('KongIngress', anns[A.override]);
      referenced('Secret', anns[A.clientCert]);
      commaSeparated('Secret', A.caCertSecrets);
      commaSeparated('ConfigMap', A.caCertConfigMaps);
      break;
    case 'EndpointSlice':
      referenced('Service', labelsOf(obj)['kubernetes.io/service-name']);
      break;
    case 'KongPlugin':
    case 'KongClusterPlugin':
      if (kind === 'KongClusterPlugin' && labelsOf(obj).global === 'true') keys.push('global-plugins');
      for (const ref of pluginSecretRefs(obj)) keys.push(objectKey('Secret', ref.namespace, ref.name));
      break;
    case 'KongConsumer':
      keys.push('consumers');
      plugins();
      for (const secret of strings(obj.credentials)) referenced('Secret', secret);
      break;
    case 'KongConsumerGroup':
      keys.push('consumers');
      plugins();
      break;
    case 'KongVault':
      keys.push('vaults');
      break;
  }
  return keys;
}

/** The Snapshot's identity of an object: one per kind, namespace and name. */
function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Union-find over 0…n-1 with path halving and union by size. */
class DisjointSets {
  readonly #parent: Int32Array;
  readonly #size: Int32Array;

  constructor(n: number) {
    this.#parent = new Int32Array(n);
    this.#size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.#parent[i] = i;
  }

  find(i: number): number {
    let x = i;
    while (this.#parent[x] !== x) {
      this.#parent[x] = this.#parent[this.#parent[x]!]!;
      x = this.#parent[x]!;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.#size[ra]! < this.#size[rb]!) [ra, rb] = [rb, ra];
    this.#parent[rb] = ra;
    this.#size[ra]! += this.#size[rb]!;
  }
}
