import { createHash } from 'node:crypto';
import type { KongPluginEntity } from '../declarative.ts';
import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import { type K8sObject, labelsOf, namespaceOf } from './k8s-object.ts';
import { pluginTemplate } from './plugin-config.ts';
import { type PluginReference, pluginReferences, remotePluginRefusal } from './plugin-references.ts';
import type { Snapshot } from './snapshot.ts';

/** Entities a KongPlugin can be bound to, by Kong name (KIC's `util.ForeignRelations`). */
interface Relations {
  service: string[];
  route: string[];
  consumer: string[];
  consumerGroup: string[];
  /** Objects whose `konghq.com/plugins` referenced the plugin: they depend on it (fallback graph). */
  referrers: K8sObject[];
}

/** A top-level plugin entity and the KongPlugin/KongClusterPlugin it came from. */
export interface BuiltPlugin {
  entity: KongPluginEntity;
  source: K8sObject;
}

interface Rel {
  service?: string;
  route?: string;
  consumer?: string;
  consumerGroup?: string;
}

type BindingKind = 'service' | 'route' | 'consumer' | 'consumerGroup';

/** A `namespace:name` reference, bound at build time once its ReferenceGrant is checked. */
interface RemoteReference {
  ref: PluginReference;
  kind: BindingKind;
  obj: K8sObject;
  entity: string;
  referrer: K8sObject;
}

/** Collects `konghq.com/plugins` references while services, routes, consumers and groups are built. */
export class PluginBindings {
  private readonly relations = new Map<string, Relations>();
  private readonly remote: RemoteReference[] = [];

  add(
    kind: BindingKind,
    namespace: string,
    obj: K8sObject,
    entity: string,
    extra: readonly string[] = [],
    referrer: K8sObject = obj,
  ) {
    for (const ref of pluginReferences(obj)) {
      if (ref.namespace === undefined) this.relate(`${namespace}:${ref.name}`, kind, entity, referrer);
      else this.remote.push({ ref, kind, obj, entity, referrer });
    }
    for (const plugin of extra) this.relate(`${namespace}:${plugin}`, kind, entity, referrer);
  }

  private relate(key: string, kind: BindingKind, entity: string, referrer: K8sObject) {
    const rel = getOrInsert(this.relations, key, () => ({
      service: [] as string[],
      route: [] as string[],
      consumer: [] as string[],
      consumerGroup: [] as string[],
      referrers: [] as K8sObject[],
    }));
    if (!rel[kind].includes(entity)) rel[kind].push(entity);
    if (!rel.referrers.includes(referrer)) rel.referrers.push(referrer);
  }

  /** Cross-namespace references a ReferenceGrant permits join the relations; the others are reported. */
  private bindRemote(snapshot: Snapshot, errors: ErrorCollector) {
    for (const { ref, kind, obj, entity, referrer } of this.remote) {
      const refusal = remotePluginRefusal(snapshot, obj, ref);
      // A warning, as for a plugin that does not exist: the referrer ships without the plugin, and the admission
      // webhook does not refuse it for a grant that `kubectl apply -f dir` may create next.
      if (refusal) errors.warn(referrer, refusal);
      else this.relate(`${ref.namespace}:${ref.name}`, kind, entity, referrer);
    }
    this.remote.length = 0;
  }

  /**
   * KIC's `buildPlugins`: every referenced KongPlugin (or KongClusterPlugin of that name) once per binding
   * combination, plus global KongClusterPlugins. Plugins that cannot be built are reported and left out.
   */
  build(snapshot: Snapshot, errors: ErrorCollector): BuiltPlugin[] {
    this.bindRemote(snapshot, errors);
    const out: BuiltPlugin[] = [];
    for (const key of [...this.relations.keys()].sort()) {
      const rel = this.relations.get(key)!;
      const colon = key.indexOf(':');
      const namespace = key.slice(0, colon);
      const name = key.slice(colon + 1);
      const obj = snapshot.plugin(namespace, name);
      if (!obj) {
        for (const referrer of rel.referrers) {
          const what = namespace === namespaceOf(referrer) ? name : `${namespace}:${name}`;
          errors.warn(referrer, `KongPlugin or KongClusterPlugin "${what}" not found; plugin not applied`);
        }
        continue;
      }
      const template = pluginTemplate(snapshot, obj);
      if ('error' in template) {
        errors.reject(obj, template.error);
        continue;
      }
      const usedInstanceNames = new Set<string>();
      for (const combination of combinations(rel)) {
        const plugin: KongPluginEntity = structuredClone(template.plugin);
        if (combination.service) plugin.service = combination.service;
        if (combination.route) plugin.route = combination.route;
        if (combination.consumer) plugin.consumer = combination.consumer;
        if (combination.consumerGroup) plugin.consumer_group = combination.consumerGroup;
        if (plugin.instance_name) {
          plugin.instance_name = uniqueInstanceName(plugin.instance_name, combination, usedInstanceNames);
          usedInstanceNames.add(plugin.instance_name);
        }
        out.push({ entity: plugin, source: obj });
      }
    }
    out.push(...globalPlugins(snapshot, errors));
    return out;
  }
}

/** KIC's `GetCombinations`: consumer (or consumer group) × route/service when both exist, otherwise each alone. */
function combinations(rel: Relations): Rel[] {
  const out: Rel[] = [];
  const targets = rel.route.length + rel.service.length;
  if (rel.consumer.length > 0) {
    for (const consumer of rel.consumer) {
      if (targets === 0) out.push({ consumer });
      for (const service of rel.service) out.push({ service, consumer });
      for (const route of rel.route) out.push({ route, consumer });
    }
  } else if (rel.consumerGroup.length > 0) {
    for (const consumerGroup of rel.consumerGroup) {
      if (targets === 0) out.push({ consumerGroup });
      for (const service of rel.service) out.push({ service, consumerGroup });
      for (const route of rel.route) out.push({ route, consumerGroup });
    }
  } else {
    for (const service of rel.service) out.push({ service });
    for (const route of rel.route) out.push({ route });
  }
  return out;
}

/** `instance_name` must be unique: suffix it with 9 hex digits of a hash of the binding (KIC). */
function uniqueInstanceName(name: string, rel: Rel, used: ReadonlySet<string>): string {
  let source = '';
  if (rel.service) source += `_service-${rel.service}`;
  if (rel.route) source += `_route-${rel.route}`;
  if (rel.consumer) source += `_consumer-${rel.consumer}`;
  if (rel.consumerGroup) source += `_group-${rel.consumerGroup}`;
  const hash = createHash('sha256').update(source).digest('hex');
  const short = `${name}-${hash.slice(0, 9)}`;
  return used.has(short) ? `${name}-${hash}` : short;
}

/** KongClusterPlugins labelled `global: "true"` of our class; two for the same plugin cancel each other. */
function globalPlugins(snapshot: Snapshot, errors: ErrorCollector): BuiltPlugin[] {
  const byName = new Map<string, { plugin: KongPluginEntity; objs: K8sObject[] }>();
  for (const obj of snapshot.list('KongClusterPlugin')) {
    if (labelsOf(obj).global !== 'true' || !snapshot.annotationMatchesClass(obj)) continue;
    const template = pluginTemplate(snapshot, obj);
    if ('error' in template) {
      errors.reject(obj, template.error);
      continue;
    }
    const existing = byName.get(template.plugin.name);
    if (existing) existing.objs.push(obj);
    else byName.set(template.plugin.name, { plugin: template.plugin, objs: [obj] });
  }
  const out: BuiltPlugin[] = [];
  for (const [name, { plugin, objs }] of byName) {
    if (objs.length > 1) {
      for (const obj of objs)
        errors.reject(obj, `several global KongClusterPlugins configure plugin "${name}"; none is applied`);
      continue;
    }
    out.push({ entity: plugin, source: objs[0]! });
  }
  return out;
}
