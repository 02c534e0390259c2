import { A, INGRESS_CLASS_ANNOTATION } from './annotations.ts';
import { getOrInsert } from './collections.ts';
import {
  annotationsOf,
  type K8sObject,
  keyOf,
  kindOf,
  namespaceOf,
  nonEmpty,
  rec,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';
import { pluginReferences, referencedNamespace } from './plugin-references.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * KIC's fallback dependency graph (`internal/dataplane/fallback/graph_dependencies*.go`): the objects each object
 * refers to. An excluded object takes everything that depends on it (transitively) out of the build.
 */
export function dependenciesOf(snapshot: Snapshot, obj: K8sObject): K8sObject[] {
  const ns = namespaceOf(obj);
  const spec = specOf(obj);
  const found: Array<K8sObject | undefined> = [];
  const plugins = () => {
    for (const ref of pluginReferences(obj))
      found.push(snapshot.plugin(referencedNamespace(obj, ref), ref.name));
  };
  const upstreamPolicy = () => {
    const name = annotationsOf(obj)[A.upstreamPolicy];
    if (name !== undefined) found.push(snapshot.get('KongUpstreamPolicy', ns, name));
  };
  const backendRefs = () => {
    for (const rule of records(spec.rules)) {
      for (const ref of records(rule.backendRefs)) {
        const kind = str(ref.kind) ?? 'Service';
        const group = str(ref.group) ?? '';
        if (kind !== 'Service' || (group !== '' && group !== 'core')) continue;
        found.push(snapshot.get('Service', nonEmpty(ref.namespace) ?? ns, str(ref.name) ?? ''));
      }
    }
  };
  switch (kindOf(obj)) {
    case 'Service':
    case 'KongServiceFacade': {
      plugins();
      upstreamPolicy();
      const kongIngress = annotationsOf(obj)[A.override];
      if (kongIngress) found.push(snapshot.get('KongIngress', ns, kongIngress));
      break;
    }
    case 'Ingress': {
      const className =
        nonEmpty(spec.ingressClassName) ?? nonEmpty(annotationsOf(obj)[INGRESS_CLASS_ANNOTATION]);
      if (className) found.push(snapshot.get('IngressClass', '', className));
      for (const backend of ingressBackends(obj)) {
        const service = rec(backend?.service);
        if (service) found.push(snapshot.get('Service', ns, str(service.name) ?? ''));
        const resource = rec(backend?.resource);
        if (resource && str(resource.kind) === 'KongServiceFacade') {
          found.push(snapshot.get('KongServiceFacade', ns, str(resource.name) ?? ''));
        }
      }
      upstreamPolicy();
      plugins();
      break;
    }
    case 'TCPIngress':
    case 'UDPIngress':
      for (const rule of records(spec.rules)) {
        found.push(snapshot.get('Service', ns, str(rec(rule.backend)?.serviceName) ?? ''));
      }
      plugins();
      break;
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TCPRoute':
    case 'UDPRoute':
    case 'TLSRoute':
      backendRefs();
      plugins();
      break;
    case 'KongPlugin':
    case 'KongClusterPlugin': {
      for (const ref of pluginSecretRefs(obj)) found.push(snapshot.get('Secret', ref.namespace, ref.name));
      break;
    }
    case 'KongConsumer':
      plugins();
      for (const secret of strings(obj.credentials)) found.push(snapshot.get('Secret', ns, secret));
      break;
    case 'KongConsumerGroup':
      plugins();
      break;
    case 'KongCustomEntity': {
      const parent = rec(spec.parentRef);
      if (parent && str(parent.group) === 'configuration.konghq.com') {
        if (str(parent.kind) === 'KongPlugin')
          found.push(snapshot.get('KongPlugin', ns, str(parent.name) ?? ''));
        if (str(parent.kind) === 'KongClusterPlugin')
          found.push(snapshot.get('KongClusterPlugin', '', str(parent.name) ?? ''));
      }
      break;
    }
  }
  return found.filter((o): o is K8sObject => o !== undefined);
}

/** An Ingress's backends: every rule path's, then the default backend (absent ones undefined). */
export function ingressBackends(ingress: K8sObject): Array<Record<string, unknown> | undefined> {
  const spec = specOf(ingress);
  const backends = records(spec.rules).flatMap((r) => records(rec(r.http)?.paths).map((p) => rec(p.backend)));
  backends.push(rec(spec.defaultBackend));
  return backends;
}

/**
 * The Secrets a KongPlugin's or KongClusterPlugin's config comes from (`configFrom`, `configPatches`): in the
 * plugin's namespace, or for a KongClusterPlugin the namespace the reference names.
 */
export function pluginSecretRefs(plugin: K8sObject): Array<{ namespace: string; name: string }> {
  const cluster = kindOf(plugin) === 'KongClusterPlugin';
  const refs = [rec(rec(plugin.configFrom)?.secretKeyRef)];
  for (const patch of records(plugin.configPatches)) refs.push(rec(rec(patch.valueFrom)?.secretKeyRef));
  return refs
    .filter((ref) => ref !== undefined)
    .map((ref) => ({
      namespace: cluster ? (str(ref.namespace) ?? '') : namespaceOf(plugin),
      name: str(ref.name) ?? '',
    }));
}

/**
 * The broken objects plus every object that depends on one of them, each with the reason it is excluded.
 * Keys are object keys (`keyOf`, `Kind.group/namespace/name`).
 */
export function exclusionClosure(
  snapshot: Snapshot,
  objects: readonly K8sObject[],
  broken: ReadonlySet<string>,
) {
  const dependants = new Map<string, K8sObject[]>();
  for (const obj of objects) {
    for (const dep of dependenciesOf(snapshot, obj)) getOrInsert(dependants, keyOf(dep), () => []).push(obj);
  }
  const excluded = new Map<string, string | undefined>();
  const queue = [...broken];
  for (const key of broken) excluded.set(key, undefined);
  while (queue.length > 0) {
    const key = queue.shift()!;
    for (const dependant of dependants.get(key) ?? []) {
      const k = keyOf(dependant);
      if (excluded.has(k)) continue;
      excluded.set(k, key);
      queue.push(k);
    }
  }
  return excluded;
}
