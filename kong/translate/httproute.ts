import type { KongRouteEntity } from '../declarative.ts';
import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import {
  backendRefSpecs,
  gatewayServiceDraft,
  hostnamesOf,
  parseDurationMs,
  resolveBackendRefs,
  ruleName,
} from './gateway-common.ts';
import {
  attachFilterPlugins,
  filtersOf,
  type IndexedRule,
  type Match,
  type Rule,
  routeTags,
} from './httproute-common.ts';
import { assignPriorities, expressionRoutes } from './httproute-expressions.ts';
import { KONG_REGEX_PREFIX } from './ingress-paths.ts';
import { type K8sObject, nameOf, namespaceOf, rec, records, specOf, str } from './k8s-object.ts';
import type { RouteDraft, ServiceDraft, ServiceMap } from './model.ts';
import { DEFAULT_TIMEOUT } from './model.ts';
import type { Snapshot } from './snapshot.ts';
import { gateOpen, REDIRECT_PLUGIN_GATE } from './version-gates.ts';

/**
 * Translates HTTPRoutes (KIC's HTTPRoute translation, traditional or expression routes): rules of one HTTPRoute with
 * the same backends share a Kong service, or, with CombinedServicesFromDifferentHTTPRoutes, rules of every HTTPRoute
 * in the namespace do.
 */
export function translateHTTPRoutes(snapshot: Snapshot, services: ServiceMap, errors: ErrorCollector): void {
  const expressions = snapshot.settings.featureFlags.ExpressionRoutes;
  const redirectPlugin = gateOpen(REDIRECT_PLUGIN_GATE, snapshot.settings.kongVersion);
  const routes: K8sObject[] = [];
  for (const route of snapshot.list('HTTPRoute')) {
    const rules = records(specOf(route).rules);
    if (rules.length === 0) {
      errors.reject(route, 'HTTPRoute has no rules');
      continue;
    }
    if (
      !expressions &&
      rules.some((r) => records(r.matches).some((m) => records(m.queryParams).length > 0))
    ) {
      errors.reject(
        route,
        'query parameter matches need the expression router (feature flag ExpressionRoutes)',
      );
      continue;
    }
    routes.push(route);
  }
  const priorities = expressions ? assignPriorities(routes) : undefined;

  const combined = snapshot.settings.featureFlags.CombinedServicesFromDifferentHTTPRoutes;
  for (const route of routes) {
    const produced: Array<{ group: IndexedRule[]; drafts: RouteDraft[] }> = [];
    let failure: string | undefined;
    for (const group of groupRulesByBackends(route)) {
      const drafts = expressions
        ? expressionRoutes(route, group, priorities!, redirectPlugin)
        : traditionalRoutes(route, group, redirectPlugin);
      if (typeof drafts === 'string') {
        failure = drafts;
        break;
      }
      produced.push({ group, drafts });
    }
    if (failure !== undefined) {
      errors.reject(route, `HTTPRoute can't be routed: ${failure}`);
      continue;
    }
    for (const { group, drafts } of produced) {
      const name = combined
        ? combinedServiceName(route, group[0]!.rule)
        : `httproute.${namespaceOf(route)}.${nameOf(route)}.${group[0]!.index}`;
      // Combined: the first HTTPRoute (in namespace/name order) with these backends makes the service, as in KIC.
      let service = combined ? services.get(name) : undefined;
      if (!service) {
        const refs = backendRefSpecs(group[0]!.rule.backendRefs);
        const backends = resolveBackendRefs(snapshot, route, refs, errors);
        service = gatewayServiceDraft(name, 'http', route, backends, refs.length, true);
        services.set(name, service);
      }
      for (const { rule } of group) applyTimeouts(service, rule);
      service.routes.push(...drafts);
    }
  }
}

/**
 * KIC's `getKongServiceNameByBackendRefs` (feature flag CombinedServicesFromDifferentHTTPRoutes): rules of every
 * HTTPRoute in one namespace with the same backends share `httproute.<ns>.svc.<ns.name[.port][.weight]…>`.
 */
function combinedServiceName(route: K8sObject, rule: Rule): string {
  const backends = backendRefSpecs(rule.backendRefs)
    .map((b) => {
      let id = `${b.namespace ?? namespaceOf(route)}.${b.name}`;
      if (b.port !== undefined) id += `.${b.port}`;
      if (b.weight !== undefined) id += `.${b.weight}`;
      return id;
    })
    .sort();
  return `httproute.${namespaceOf(route)}.svc.${backends.join('_')}`;
}

/** Rules of one HTTPRoute with identical backendRefs share a Kong service named after the first of them. */
function groupRulesByBackends(route: K8sObject): IndexedRule[][] {
  const groups = new Map<string, IndexedRule[]>();
  records(specOf(route).rules).forEach((rule, index) => {
    const key = backendRefSpecs(rule.backendRefs)
      .map(
        (b) =>
          `${b.namespace ?? namespaceOf(route)}.${b.name}.${b.port ?? ''}.${b.weight ?? ''}.${b.kind ?? ''}`,
      )
      .sort()
      .join('_');
    // A service has one set of timeouts: rules with other backendRequest timeouts need a service of their own
    // (HTTPRouteTimeoutBackendRequest: "500ms" and "0s" on the same backend).
    const timeout = str(rec(rule.timeouts)?.backendRequest);
    const group = getOrInsert(groups, timeout === undefined ? key : `${key}|timeout=${timeout}`, () => []);
    group.push({ rule, index });
  });
  return [...groups.values()];
}

/** Kong's `typedefs.timeout` upper bound (ms). */
const MAX_KONG_TIMEOUT = 2 ** 31 - 2;

function applyTimeouts(service: ServiceDraft, rule: Rule): void {
  const backendRequest = str(rec(rule.timeouts)?.backendRequest);
  if (backendRequest === undefined) return;
  const parsed = parseDurationMs(backendRequest);
  // "0s" disables the timeout (Gateway API); Kong's timeouts are integers of at least 1 ms, so the
  // longest one Kong takes stands for none (a 0 made the whole config invalid).
  const ms = parsed === 0 ? MAX_KONG_TIMEOUT : parsed;
  if (ms === undefined || ms === DEFAULT_TIMEOUT) return;
  service.entity.read_timeout = ms;
  service.entity.connect_timeout = ms;
  service.entity.write_timeout = ms;
}

/** Traditional routes: rules grouped by filters, then matches grouped by method+headers+query into one route. */
function traditionalRoutes(
  route: K8sObject,
  group: IndexedRule[],
  redirectPlugin: boolean,
): RouteDraft[] | string {
  const out: RouteDraft[] = [];
  const hostnames = hostnamesOf(route);
  const byFilters = new Map<string, IndexedRule[]>();
  for (const r of group) {
    const key = filtersOf(r.rule)
      .map((f) => JSON.stringify(f))
      .sort()
      .join(';');
    const list = getOrInsert(byFilters, key, () => []);
    list.push(r);
  }
  for (const rules of byFilters.values()) {
    const filters = filtersOf(rules[0]!.rule);
    const matchGroups = new Map<string, Array<{ match: Match; rule: number; index: number }>>();
    const names = rules.map((r) => ruleName(r.rule)).filter((n): n is string => n !== undefined);
    const tags = routeTags(route, names);
    for (const { rule, index } of rules) {
      const matches = records(rule.matches);
      if (matches.length === 0) {
        const entity: KongRouteEntity = {
          name: `httproute.${namespaceOf(route)}.${nameOf(route)}.${index}.0`,
          preserve_host: true,
          tags,
        };
        if (hostnames.length > 0) entity.hosts = [...hostnames];
        else entity.paths = ['/'];
        const draft: RouteDraft = { entity, source: route, expression: false };
        const err = attachFilterPlugins(draft, filters, '', tags, false, redirectPlugin);
        if (err) return err;
        out.push(draft);
        continue;
      }
      matches.forEach((match, matchIndex) => {
        const key = matchGroupKey(match);
        const list = getOrInsert(matchGroups, key, () => []);
        list.push({ match, rule: index, index: matchIndex });
      });
    }
    for (const list of matchGroups.values()) {
      const first = list[0]!;
      const entity: KongRouteEntity = {
        name: `httproute.${namespaceOf(route)}.${nameOf(route)}.${first.rule}.${first.index}`,
        preserve_host: true,
        tags,
      };
      if (hostnames.length > 0) entity.hosts = [...hostnames];
      const headers = headersOf(first.match);
      if (typeof headers === 'string') return headers;
      if (Object.keys(headers).length > 0) entity.headers = headers;
      entity.strip_path = false;
      const methods: string[] = [];
      const paths: string[] = [];
      for (const { match } of list) {
        const path = rec(match.path);
        if (path) paths.push(...traditionalPathsFor(path));
        const method = str(match.method);
        if (method && !methods.includes(method)) methods.push(method);
      }
      if (paths.length > 0) entity.paths = paths;
      if (methods.length > 0) entity.methods = methods;
      const draft: RouteDraft = { entity, source: route, expression: false };
      const rewritePath = str(rec(first.match.path)?.value) ?? '';
      const err = attachFilterPlugins(draft, filters, rewritePath, tags, false, redirectPlugin);
      if (err) return err;
      out.push(draft);
    }
  }
  return out.sort((a, b) => (a.entity.name < b.entity.name ? -1 : a.entity.name > b.entity.name ? 1 : 0));
}

/** KIC's `generateKongRoutePathFromHTTPRouteMatch`. */
function traditionalPathsFor(path: Record<string, unknown>): string[] {
  const value = str(path.value) ?? '/';
  switch (str(path.type) ?? 'PathPrefix') {
    case 'Exact':
      return [`${KONG_REGEX_PREFIX}${value}$`];
    case 'RegularExpression':
      return [`${KONG_REGEX_PREFIX}${value}`];
    default:
      return [`${KONG_REGEX_PREFIX}${value}$`, value.endsWith('/') ? value : `${value}/`];
  }
}

function headersOf(match: Match): Record<string, string[]> | string {
  const out: Record<string, string[]> = {};
  for (const h of records(match.headers)) {
    const name = str(h.name) ?? '';
    if (name in out) return `multiple header matches for the same header are not allowed: ${name}`;
    const type = str(h.type) ?? 'Exact';
    const value = str(h.value) ?? '';
    if (type === 'RegularExpression') out[name] = [`~*${value}`];
    else if (type === 'Exact') out[name] = [value];
    else return `unknown/unsupported header match type: ${type}`;
  }
  return out;
}

/** Matches with the same method, headers (case-insensitive, first wins) and query params share a route. */
function matchGroupKey(match: Match): string {
  const seen = new Set<string>();
  const headers: Array<[string, string, string]> = [];
  for (const h of records(match.headers)) {
    const name = (str(h.name) ?? '').toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    headers.push([name, str(h.type) ?? '', str(h.value) ?? '']);
  }
  headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = records(match.queryParams).map((q) => [str(q.name), str(q.type), str(q.value)]);
  return JSON.stringify([str(match.method) ?? null, headers, query]);
}
