import type { KongRouteEntity } from '../declarative.ts';
import { A, commaList } from './annotations.ts';
import type { ErrorCollector } from './errors.ts';
import {
  and,
  CATCH_ALL_HTTP_EXPRESSION,
  hostMatcher,
  httpHeader,
  httpPath,
  type Matcher,
  push,
  RESOURCE_KIND,
  RESOURCE_KIND_SHIFT,
  render,
  shl,
  sniMatcher,
} from './expressions.ts';
import { backendRefSpecs, gatewayServiceDraft, resolveBackendRefs, ruleName } from './gateway-common.ts';
import { KONG_REGEX_PREFIX } from './ingress-paths.ts';
import {
  annotationsOf,
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
import type { RouteDraft, ServiceMap } from './model.ts';
import {
  kindAndHostnamePriority,
  routePriorityOrder,
  type SplitMatch,
  splitMatches,
} from './route-priority.ts';
import type { Snapshot } from './snapshot.ts';
import { namedRouteRuleTags, tagsForObject } from './tags.ts';

/**
 * GRPCRoutes: one Kong service (protocol grpcs) per rule, one route per match (KIC's `translate_grpcroute.go`);
 * with the expression router, services and routes are also split by hostname.
 */
export function translateGRPCRoutes(snapshot: Snapshot, services: ServiceMap, errors: ErrorCollector): void {
  const expressions = snapshot.settings.featureFlags.ExpressionRoutes;
  const routes = snapshot.list('GRPCRoute').filter((route) => {
    if (records(specOf(route).rules).length > 0) return true;
    errors.reject(route, 'GRPCRoute has no rules');
    return false;
  });
  if (expressions) {
    translateExpressions(snapshot, routes, services, errors);
    return;
  }
  for (const route of routes) {
    const tags = grpcTags(route);
    const hostnames = grpcHostnames(snapshot, route);
    records(specOf(route).rules).forEach((rule, ruleIndex) => {
      const name = `grpcroute.${namespaceOf(route)}.${nameOf(route)}.${ruleIndex}`;
      const refs = backendRefSpecs(rule.backendRefs);
      const service = gatewayServiceDraft(
        name,
        'grpcs',
        route,
        resolveBackendRefs(snapshot, route, refs, errors),
        refs.length,
      );
      const matches = records(rule.matches);
      if (matches.length === 0) {
        const entity: KongRouteEntity = { name: `${name}.0`, protocols: ['grpc', 'grpcs'], tags };
        if (hostnames.length > 0) entity.hosts = [...hostnames];
        else entity.paths = ['/'];
        service.routes.push({ entity, source: route, expression: false });
      }
      matches.forEach((match, matchIndex) => {
        const entity: KongRouteEntity = { name: `${name}.${matchIndex}`, protocols: ['grpc', 'grpcs'], tags };
        if (hostnames.length > 0) entity.hosts = [...hostnames];
        const method = rec(match.method);
        if (method) entity.paths = [grpcPath(method)];
        const headers: Record<string, string[]> = {};
        for (const h of records(match.headers)) {
          headers[str(h.name) ?? ''] ??= [];
          headers[str(h.name) ?? '']!.push(str(h.value) ?? '');
        }
        if (Object.keys(headers).length > 0) entity.headers = headers;
        service.routes.push({ entity, source: route, expression: false });
      });
      services.set(name, service);
    });
  }
}

/** KIC quirk kept for compatibility: every route of a GRPCRoute carries the names of all its named rules. */
function grpcTags(route: K8sObject): string[] {
  const names = records(specOf(route).rules)
    .map(ruleName)
    .filter((n): n is string => n !== undefined);
  return tagsForObject(route, namedRouteRuleTags(names));
}

function grpcPath(method: Record<string, unknown>): string {
  const regex = str(method.type) === 'RegularExpression';
  const service = str(method.service) ?? '.+';
  const name = str(method.method) ?? (regex ? '.+' : '');
  return `${KONG_REGEX_PREFIX}/${service}/${name}`;
}

/** `spec.hostnames`, else the hostnames of the parent Gateway listeners. */
function grpcHostnames(snapshot: Snapshot, route: K8sObject): string[] {
  const own = strings(specOf(route).hostnames);
  if (own.length > 0) return own;
  const out: string[] = [];
  for (const parent of records(specOf(route).parentRefs)) {
    const kind = str(parent.kind);
    if (kind !== undefined && kind !== 'Gateway') continue;
    const gateway = snapshot.get(
      'Gateway',
      nonEmpty(parent.namespace) ?? namespaceOf(route),
      str(parent.name) ?? '',
    );
    if (!gateway) continue;
    const section = str(parent.sectionName);
    for (const listener of records(specOf(gateway).listeners)) {
      if (section !== undefined && str(listener.name) !== section) continue;
      const hostname = str(listener.hostname);
      if (hostname) out.push(hostname);
    }
  }
  return out;
}

/** KIC's `GRPCRoutePriorityTraits.EncodeToPriority` (without the 8 relative-order bits). */
function basePriority(split: SplitMatch): number {
  let p = kindAndHostnamePriority(RESOURCE_KIND.grpcRoute, RESOURCE_KIND_SHIFT, split.hostname);
  const method = rec(split.match.method);
  if (method) {
    p += shl((str(method.service) ?? '').length, 24);
    p += shl((str(method.method) ?? '').length, 13);
  }
  p += shl(records(split.match.headers).length, 8);
  return p;
}

function translateExpressions(
  snapshot: Snapshot,
  routes: readonly K8sObject[],
  services: ServiceMap,
  errors: ErrorCollector,
): void {
  const prioritized = routePriorityOrder(routes.flatMap(splitMatches), basePriority, 8);
  for (const { split, priority } of prioritized) {
    const route = split.route;
    const rule = records(specOf(route).rules)[split.ruleIndex]!;
    const host = split.hostname === '' ? '_' : split.hostname.replaceAll('*', '_');
    const serviceName = `grpcroute.${namespaceOf(route)}.${nameOf(route)}.${host}.${split.ruleIndex}`;
    let service = services.get(serviceName);
    if (!service) {
      const refs = backendRefSpecs(rule.backendRefs);
      service = gatewayServiceDraft(
        serviceName,
        'grpcs',
        route,
        resolveBackendRefs(snapshot, route, refs, errors),
        refs.length,
      );
      services.set(serviceName, service);
    }
    const entity: KongRouteEntity = {
      name: `${serviceName}.${split.matchIndex}`,
      preserve_host: true,
      tags: grpcTags(route),
    };
    const expression = render(grpcMatcher(split, annotationsOf(route)));
    entity.expression = expression === '' ? CATCH_ALL_HTTP_EXPRESSION : expression;
    entity.priority = priority;
    const draft: RouteDraft = { entity, source: route, expression: true };
    service.routes.push(draft);
  }
}

/** KIC's `generateMatcherFromGRPCMatch`: method, then headers, hostname and SNIs. */
function grpcMatcher(split: SplitMatch, anns: Record<string, string>): Matcher {
  const m = and();
  const method = rec(split.match.method);
  if (method) {
    const service = str(method.service);
    const name = str(method.method);
    if (str(method.type) === 'RegularExpression') {
      push(
        m,
        service === undefined && name === undefined
          ? httpPath('^=', '/')
          : httpPath('~', `^/${service ?? '.+'}/${name ?? '.+'}`),
      );
    } else if (service !== undefined && name !== undefined) push(m, httpPath('==', `/${service}/${name}`));
    else if (service !== undefined) push(m, httpPath('^=', `/${service}/`));
    else if (name !== undefined) push(m, httpPath('=^', `/${name}`));
    else push(m, httpPath('^=', '/'));
  }
  const headers = records(split.match.headers)
    .map((h) => ({ name: str(h.name) ?? '', type: str(h.type) ?? 'Exact', value: str(h.value) ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (headers.length > 0) {
    push(
      m,
      and(
        ...headers.map((h) =>
          httpHeader(
            h.name.toLowerCase().replaceAll('-', '_'),
            h.type === 'RegularExpression' ? '~' : '==',
            h.value,
          ),
        ),
      ),
    );
  }
  if (split.hostname !== '') push(m, hostMatcher([split.hostname]));
  const snis = commaList(anns, A.snis) ?? [];
  if (snis.length > 0) push(m, sniMatcher(snis));
  return m;
}
