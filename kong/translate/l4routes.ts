import type { KongRouteEntity } from '../declarative.ts';
import type { ErrorCollector } from './errors.ts';
import { and, intPred, or, render, sniMatcher } from './expressions.ts';
import {
  backendRefSpecs,
  gatewayListenerPorts,
  gatewayServiceDraft,
  hostnamesOf,
  resolveBackendRefs,
  ruleName,
} from './gateway-common.ts';
import { nameOf, namespaceOf, records, specOf } from './k8s-object.ts';
import type { ServiceMap } from './model.ts';
import type { Snapshot } from './snapshot.ts';
import { namedRouteRuleTags, tagsForObject } from './tags.ts';

const L4_KINDS = [
  { kind: 'TCPRoute', prefix: 'tcproute', serviceProtocol: 'tcp', routeProtocol: 'tcp', listener: 'TCP' },
  { kind: 'UDPRoute', prefix: 'udproute', serviceProtocol: 'udp', routeProtocol: 'udp', listener: 'UDP' },
  { kind: 'TLSRoute', prefix: 'tlsroute', serviceProtocol: 'tcp', routeProtocol: 'tls', listener: undefined },
] as const;

/**
 * TCPRoute, UDPRoute and TLSRoute: one Kong service and one route per rule. TCP/UDP routes match the parent
 * Gateway's listener ports of their protocol (`destinations`), TLS routes match SNIs (`spec.hostnames`).
 */
export function translateL4Routes(snapshot: Snapshot, services: ServiceMap, errors: ErrorCollector): void {
  const expressions = snapshot.settings.featureFlags.ExpressionRoutes;
  for (const l4 of L4_KINDS) {
    for (const route of snapshot.list(l4.kind)) {
      const rules = records(specOf(route).rules);
      if (rules.length === 0) {
        errors.reject(route, `${l4.kind} has no rules`);
        continue;
      }
      const ports = l4.listener ? gatewayListenerPorts(snapshot, route, l4.listener) : [];
      const snis = l4.kind === 'TLSRoute' ? hostnamesOf(route) : [];
      rules.forEach((rule, ruleIndex) => {
        const name = `${l4.prefix}.${namespaceOf(route)}.${nameOf(route)}.${ruleIndex}`;
        const refs = backendRefSpecs(rule.backendRefs);
        const backends = resolveBackendRefs(snapshot, route, refs, errors);
        const service = gatewayServiceDraft(name, l4.serviceProtocol, route, backends, refs.length);
        const named = ruleName(rule);
        const entity: KongRouteEntity = {
          name: `${name}.0`,
          protocols: [l4.routeProtocol],
          tags: tagsForObject(route, namedRouteRuleTags(named ? [named] : [])),
        };
        if (expressions) {
          const matcher = and(sniMatcher(snis), or(...ports.map((p) => intPred('net.dst.port', '==', p))));
          entity.expression = render(matcher);
          entity.priority = 1;
        } else {
          if (snis.length > 0) entity.snis = [...snis];
          if (ports.length > 0) entity.destinations = ports.map((port) => ({ port }));
        }
        service.routes.push({ entity, source: route, expression: expressions });
        services.set(name, service);
      });
    }
  }
}
