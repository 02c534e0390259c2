import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import { httpPath, render } from './expressions.ts';
import { ingressClassParameters } from './ingress-class-parameters.ts';
import { IngressPathClaims } from './ingress-conflicts.ts';
import { expressionRoute } from './ingress-expressions.ts';
import {
  applyRegexPrefix,
  flattenSlashes,
  type IngressPathType,
  regexPrefixFor,
  traditionalPaths,
} from './ingress-paths.ts';
import { ingressRouteBase, type RouteMeta, routeNameFor } from './ingress-route-meta.ts';
import {
  annotationsOf,
  int,
  type K8sObject,
  nameOf,
  namespaceOf,
  nonEmpty,
  rec,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';
import {
  type Backend,
  newServiceDraft,
  newServiceEntity,
  type PortDef,
  portDefString,
  type RouteDraft,
  type ServiceMap,
} from './model.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

const FACADE_GROUP = 'incubator.ingress-controller.konghq.com';
const FACADE_KIND = 'KongServiceFacade';
const PATH_TYPES: ReadonlySet<string> = new Set(['Prefix', 'Exact', 'ImplementationSpecific']);

/** SNIs per TLS Secret (`namespace/name`), from Ingress `spec.tls`; a host belongs to the first Secret claiming it. */
export interface TlsClaims {
  hostsBySecret: Map<string, string[]>;
  parentsBySecret: Map<string, K8sObject[]>;
  seenHosts: Set<string>;
}

export function newTlsClaims(): TlsClaims {
  return { hostsBySecret: new Map(), parentsBySecret: new Map(), seenHosts: new Set() };
}

/** Ingresses of our class, oldest first (KIC sorts by creationTimestamp; ties keep namespace/name order). */
export function ingressesOfClass(snapshot: Snapshot): K8sObject[] {
  return oldestFirst(snapshot.list('Ingress').filter((i) => snapshot.ingressMatchesClass(i)));
}

/** Stable sort by creationTimestamp, as KIC orders the Ingress kinds it translates. */
export function oldestFirst(list: readonly K8sObject[]): K8sObject[] {
  return list
    .map((obj, index) => ({ obj, index, ts: str(rec(obj.metadata)?.creationTimestamp) ?? '' }))
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.index - b.index))
    .map((x) => x.obj);
}

/** `spec.tls` of an Ingress (or TCPIngress): each host goes to the first Secret that claims it. */
export function claimIngressTls(ingress: K8sObject, tls: TlsClaims): void {
  const namespace = namespaceOf(ingress);
  for (const t of records(specOf(ingress).tls)) {
    const hosts = strings(t.hosts);
    const secretName = nonEmpty(t.secretName);
    if (hosts.length === 0 || !secretName) continue;
    const key = `${namespace}/${secretName}`;
    const claimed = getOrInsert(tls.hostsBySecret, key, () => []);
    for (const host of hosts) {
      if (tls.seenHosts.has(host)) continue;
      tls.seenHosts.add(host);
      claimed.push(host);
    }
    const parents = getOrInsert(tls.parentsBySecret, key, () => []);
    if (!parents.includes(ingress)) parents.push(ingress);
  }
}

/** Translates Ingresses into Kong services and routes (KIC's `subtranslator/ingress.go` + default backend). */
export function translateIngresses(
  snapshot: Snapshot,
  ingresses: readonly K8sObject[],
  services: ServiceMap,
  tls: TlsClaims,
  errors: ErrorCollector,
): void {
  const flags = snapshot.settings.featureFlags;
  const legacyRegex = ingressClassParameters(snapshot).enableLegacyRegexDetection;
  const metas = new Map<string, RouteMeta>();
  const withDefaultBackend: K8sObject[] = [];
  const claims = new IngressPathClaims(snapshot.settings.ingressNamespaceConflicts === 'oldest-wins');
  for (const ingress of ingresses) {
    const spec = specOf(ingress);
    const namespace = namespaceOf(ingress);
    if (rec(spec.defaultBackend)) withDefaultBackend.push(ingress);
    claimIngressTls(ingress, tls);
    for (const rule of records(spec.rules)) {
      const http = rec(rule.http);
      const paths = records(http?.paths);
      if (paths.length === 0) continue;
      const host = str(rule.host) ?? '';
      for (const p of paths) {
        let path = flattenSlashes(str(p.path) ?? '');
        if (path === '') path = '/';
        const rawType = str(p.pathType) ?? 'ImplementationSpecific';
        if (!PATH_TYPES.has(rawType)) {
          errors.drop(ingress, `path "${path}": unknown pathType "${rawType}"; path skipped`);
          continue;
        }
        if (!claims.claim(ingress, host, path, errors)) continue;
        const backend = ingressBackend(
          snapshot,
          namespace,
          rec(p.backend),
          errors,
          ingress,
          `path "${path}"`,
        );
        if (!backend) continue;
        const routeName = routeNameFor(namespace, nameOf(ingress), host, backend);
        let meta = metas.get(routeName);
        if (!meta) {
          meta = { ingress, host, backend, facade: backend.kind === FACADE_KIND, paths: [] };
          metas.set(routeName, meta);
        }
        meta.paths.push({ path, pathType: rawType as IngressPathType });
      }
    }
  }

  for (const meta of metas.values()) {
    const serviceName = meta.facade
      ? `${namespaceOf(meta.ingress)}.${meta.backend.name}.svc.facade`
      : `${namespaceOf(meta.ingress)}.${meta.backend.name}.${portDefString(meta.backend.port)}`;
    let service = services.get(serviceName);
    if (!service) {
      const host = meta.facade
        ? serviceName
        : `${meta.backend.name}.${namespaceOf(meta.ingress)}.${portDefString(meta.backend.port)}.svc`;
      const entity = newServiceEntity(serviceName, host, 'http');
      entity.port = 80;
      entity.path = '/';
      service = newServiceDraft(entity, [meta.backend], meta.ingress);
      services.set(serviceName, service);
    }
    service.routes.push(flags.ExpressionRoutes ? expressionRoute(meta) : traditionalRoute(meta, legacyRegex));
  }

  const defaultIngress = withDefaultBackend[0];
  if (defaultIngress) translateDefaultBackend(snapshot, defaultIngress, services, errors);
}

/** Resolves `backend.service` or a KongServiceFacade `backend.resource`; reports and returns undefined otherwise. */
function ingressBackend(
  snapshot: Snapshot,
  namespace: string,
  backend: Record<string, unknown> | undefined,
  errors: ErrorCollector,
  ingress: K8sObject,
  where: string,
): Backend | undefined {
  const service = rec(backend?.service);
  if (service) {
    const name = nonEmpty(service.name);
    if (!name) {
      errors.drop(ingress, `${where}: backend.service.name is missing; path skipped`);
      return undefined;
    }
    return { kind: 'Service', namespace, name, port: portFromServiceBackendPort(rec(service.port)) };
  }
  const resource = rec(backend?.resource);
  if (resource) {
    const kind = str(resource.kind) ?? '';
    const group = str(resource.apiGroup);
    if (kind !== FACADE_KIND || group !== FACADE_GROUP) {
      errors.drop(
        ingress,
        `${where}: unknown backend resource type ${group ? `${group}/` : ''}${kind}; path skipped`,
      );
      return undefined;
    }
    if (!snapshot.settings.featureFlags.KongServiceFacade) {
      errors.drop(
        ingress,
        `${where}: KongServiceFacade is not enabled (feature flag KongServiceFacade); path skipped`,
      );
      return undefined;
    }
    const name = str(resource.name) ?? '';
    const facade = snapshot.get(FACADE_KIND, namespace, name);
    if (!facade) {
      errors.drop(ingress, `${where}: KongServiceFacade "${name}" not found; path skipped`);
      return undefined;
    }
    const port = int(rec(rec(specOf(facade).backendRef))?.port) ?? 0;
    return { kind: FACADE_KIND, namespace, name, port: { mode: 'number', number: port } };
  }
  errors.drop(ingress, `${where}: no Service or resource backend; path skipped`);
  return undefined;
}

/** KIC's `PortDefFromServiceBackendPort`: a name wins, then a number, else implicit. */
function portFromServiceBackendPort(port: Record<string, unknown> | undefined): PortDef {
  const name = nonEmpty(port?.name);
  if (name) return { mode: 'name', name };
  const number = int(port?.number);
  if (number !== undefined) return { mode: 'number', number };
  return { mode: 'implicit' };
}

function traditionalRoute(meta: RouteMeta, legacyRegex: boolean): RouteDraft {
  const name = routeNameFor(
    namespaceOf(meta.ingress),
    nameOf(meta.ingress),
    meta.host.replaceAll('*', '_'),
    meta.backend,
  );
  const regexPrefix = regexPrefixFor(annotationsOf(meta.ingress));
  const entity = { ...ingressRouteBase(meta, name), regex_priority: 0 } as RouteDraft['entity'];
  if (meta.host !== '') entity.hosts = [meta.host];
  entity.paths = meta.paths.flatMap((p) =>
    traditionalPaths(p).map((x) => applyRegexPrefix(x, regexPrefix, legacyRegex)),
  );
  return { entity, source: meta.ingress, expression: false };
}

function translateDefaultBackend(
  snapshot: Snapshot,
  ingress: K8sObject,
  services: ServiceMap,
  errors: ErrorCollector,
): void {
  const flags = snapshot.settings.featureFlags;
  const namespace = namespaceOf(ingress);
  const backendSpec = rec(specOf(ingress).defaultBackend);
  const route: RouteDraft = {
    entity: {
      name: `${namespace}.${nameOf(ingress)}`,
      strip_path: false,
      preserve_host: true,
      request_buffering: true,
      response_buffering: true,
      tags: tagsForObject(ingress),
    },
    source: ingress,
    expression: flags.ExpressionRoutes,
  };
  if (flags.ExpressionRoutes) {
    route.entity.expression = render(httpPath('^=', '/'));
    route.entity.priority = 0;
  } else {
    route.entity.paths = ['/'];
    route.entity.regex_priority = 0;
  }
  const backend = ingressBackend(snapshot, namespace, backendSpec, errors, ingress, 'default backend');
  if (!backend) return;
  const facade = backend.kind === FACADE_KIND;
  const serviceName = facade
    ? `${namespace}.${backend.name}.svc.facade`
    : `${namespace}.${backend.name}.${portDefString(backend.port)}`;
  const existing = services.get(serviceName);
  if (existing) {
    existing.routes.push(route);
    return;
  }
  const host = facade ? serviceName : `${backend.name}.${namespace}.${portDefString(backend.port)}.svc`;
  const entity = newServiceEntity(serviceName, host, 'http');
  entity.port = 80;
  services.set(serviceName, newServiceDraft(entity, [backend], ingress, [route]));
}
