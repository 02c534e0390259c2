import { DEFAULT_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION } from './annotations.ts';
import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import {
  annotationsOf,
  groupVersionOf,
  isRecord,
  type K8sObject,
  kindOf,
  labelsOf,
  nameOf,
  namespaceOf,
  nonEmpty,
  specOf,
  str,
} from './k8s-object.ts';
import type { TranslateSettings } from './settings.ts';

const KONG = 'configuration.konghq.com';
const GATEWAY = 'gateway.networking.k8s.io';

/**
 * Kinds the translator reads, with the API groups they may come from: a Knative `serving.knative.dev` Service or
 * another group's "Ingress" is not ours. Any other kind is ignored silently (Deployments, Namespaces… in a manifest).
 */
export const KNOWN_KINDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Ingress', ['networking.k8s.io']],
  ['IngressClass', ['networking.k8s.io']],
  ['IngressClassParameters', [KONG]],
  ['Service', ['']],
  ['EndpointSlice', ['discovery.k8s.io']],
  ['Secret', ['']],
  ['ConfigMap', ['']],
  ['Namespace', ['']],
  ['KongPlugin', [KONG]],
  ['KongClusterPlugin', [KONG]],
  ['KongConsumer', [KONG]],
  ['KongConsumerGroup', [KONG]],
  ['KongUpstreamPolicy', [KONG]],
  ['KongServiceFacade', ['incubator.ingress-controller.konghq.com']],
  ['KongCustomEntity', [KONG]],
  ['KongVault', [KONG]],
  // Deprecated, still translated by KIC 3.x (with a warning each): kept for migrated clusters.
  ['KongIngress', [KONG]],
  ['TCPIngress', [KONG]],
  ['UDPIngress', [KONG]],
  ['Gateway', [GATEWAY]],
  ['GatewayClass', [GATEWAY]],
  ['HTTPRoute', [GATEWAY]],
  ['GRPCRoute', [GATEWAY]],
  ['TCPRoute', [GATEWAY]],
  ['UDPRoute', [GATEWAY]],
  ['TLSRoute', [GATEWAY]],
  ['ReferenceGrant', [GATEWAY]],
  ['BackendTLSPolicy', [GATEWAY]],
]);

/**
 * Every index the translator needs, built once per build in O(n): objects by kind, Services by namespace/name,
 * EndpointSlices by Service, plugins by name… Lookups are then O(1), so a build stays linear in the input size.
 */
export class Snapshot {
  private readonly byKind = new Map<string, K8sObject[]>();
  private readonly byKey = new Map<string, K8sObject>();
  private readonly slicesByService = new Map<string, K8sObject[]>();
  readonly settings: TranslateSettings;
  /**
   * Every string the translation copied out of a Secret into the config (plugin configs from
   * `configFrom`/`configPatches`, credential fields, certificates and keys): the provenance that
   * `kong/redact-secrets.ts` redacts by, whatever the field is called.
   */
  readonly secretValues = new Set<string>();

  constructor(objects: readonly unknown[], settings: TranslateSettings, errors: ErrorCollector) {
    this.settings = settings;
    for (const raw of objects) {
      if (!isRecord(raw)) continue;
      const kind = kindOf(raw);
      const groups = KNOWN_KINDS.get(kind);
      if (!groups?.includes(groupVersionOf(raw).group)) continue;
      if (!nonEmpty(nameOf(raw))) {
        errors.drop(raw, 'metadata.name is missing');
        continue;
      }
      const key = lookupKey(kindOf(raw), namespaceOf(raw), nameOf(raw));
      if (this.byKey.has(key))
        errors.warn(raw, 'object appears more than once in the input; the last copy is used');
      this.byKey.set(key, raw);
    }
    // Sort by key so the result never depends on the input order.
    const keys = [...this.byKey.keys()].sort();
    for (const key of keys) {
      const obj = this.byKey.get(key)!;
      const kind = kindOf(obj);
      const list = getOrInsert(this.byKind, kind, () => []);
      list.push(obj);
    }
    for (const slice of this.list('EndpointSlice')) {
      const svc = labelsOf(slice)['kubernetes.io/service-name'];
      if (!svc) continue;
      const k = `${namespaceOf(slice)}/${svc}`;
      const list = getOrInsert(this.slicesByService, k, () => []);
      list.push(slice);
    }
  }

  /** Records `value` (every string inside it) as Secret-sourced; returns it unchanged. */
  fromSecret<T>(value: T): T {
    collectStrings(value, this.secretValues);
    return value;
  }

  list(kind: string): readonly K8sObject[] {
    return this.byKind.get(kind) ?? [];
  }

  get(kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.byKey.get(lookupKey(kind, namespace, name));
  }

  /**
   * Replaces the objects of one kind: the Gateway API attachment keeps only the routes our Gateways accept,
   * each as it is served through its listeners.
   */
  replaceKind(kind: string, objects: readonly K8sObject[]): void {
    for (const old of this.list(kind)) this.byKey.delete(lookupKey(kind, namespaceOf(old), nameOf(old)));
    for (const obj of objects) this.byKey.set(lookupKey(kind, namespaceOf(obj), nameOf(obj)), obj);
    this.byKind.set(kind, [...objects]);
  }

  endpointSlicesFor(namespace: string, service: string): readonly K8sObject[] {
    return this.slicesByService.get(`${namespace}/${service}`) ?? [];
  }

  /** KongPlugin in the namespace first, then a KongClusterPlugin of that name (KIC's precedence). */
  plugin(namespace: string, name: string): K8sObject | undefined {
    return this.get('KongPlugin', namespace, name) ?? this.get('KongClusterPlugin', '', name);
  }

  /** Whether the IngressClass named like our class exists and is marked default. */
  get classIsDefault(): boolean {
    const cls = this.get('IngressClass', '', this.settings.ingressClass);
    return cls !== undefined && annotationsOf(cls)[DEFAULT_CLASS_ANNOTATION] === 'true';
  }

  /**
   * KIC's store filter for Ingresses: the class annotation, else `spec.ingressClassName`, else the default class.
   */
  ingressMatchesClass(ingress: K8sObject): boolean {
    const annotation = annotationsOf(ingress)[INGRESS_CLASS_ANNOTATION];
    if (annotation !== undefined && annotation !== '') return annotation === this.settings.ingressClass;
    const className = str(specOf(ingress).ingressClassName);
    if (className !== undefined && className !== '') return className === this.settings.ingressClass;
    return this.classIsDefault;
  }

  /**
   * KongConsumer, KongConsumerGroup, global KongClusterPlugin, KongVault: the class annotation must match
   * (an absent annotation is accepted only when our IngressClass is the default one).
   */
  annotationMatchesClass(obj: K8sObject): boolean {
    const annotation = annotationsOf(obj)[INGRESS_CLASS_ANNOTATION];
    if (annotation === undefined || annotation === '') return this.classIsDefault;
    return annotation === this.settings.ingressClass;
  }
}

/**
 * The Snapshot's private lookup key, `Kind/namespace/name` (`Kind/name` when cluster-scoped): one object per kind
 * and name whatever its group (only the known group of each kind is kept), and the sort order of `list()`,
 * which the translated config's entity order follows.
 */
function lookupKey(kind: string, namespace: string, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value !== '') into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (isRecord(value)) {
    for (const item of Object.values(value)) collectStrings(item, into);
  }
}
