import type { KongRouteEntity } from '../declarative.ts';
import type { ErrorCollector } from './errors.ts';
import { and, intPred, or, render, sniMatcher } from './expressions.ts';
import { claimIngressTls, oldestFirst, type TlsClaims } from './ingress.ts';
import { int, type K8sObject, nameOf, namespaceOf, nonEmpty, rec, records, str } from './k8s-object.ts';
import { type Backend, newServiceDraft, newServiceEntity, type ServiceMap } from './model.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/**
 * KIC's stream Ingress kinds (`translate_kong_l4.go`), deprecated but still translated by KIC 3.x so migrated
 * clusters keep every entity: one Kong route per rule, matching the listen `port` (and the SNI `host` for TCP),
 * and one Kong service per backend Service and port. Each object also gets the deprecation warning.
 */
const STREAM_INGRESSES = [
  {
    kind: 'TCPIngress',
    routeSuffix: '',
    serviceSuffix: '',
    protocols: ['tcp', 'tls'],
    deprecation: 'TCPIngress is deprecated: migrate to TCPRoute or TLSRoute (translated as KIC 3.x does)',
  },
  {
    kind: 'UDPIngress',
    routeSuffix: '.udp',
    serviceSuffix: '.udp',
    protocols: ['udp'],
    deprecation: 'UDPIngress is deprecated: migrate to UDPRoute (translated as KIC 3.x does)',
  },
] as const;

type StreamKind = (typeof STREAM_INGRESSES)[number];

/**
 * TCPIngress and UDPIngress of our class, oldest first as KIC sorts them. A Kong service of the same name as one
 * already translated (an Ingress's `ns.svc.port`) replaces it, as KIC's rule merge does; that is reported.
 */
export function translateStreamIngresses(
  snapshot: Snapshot,
  services: ServiceMap,
  tls: TlsClaims,
  errors: ErrorCollector,
): void {
  const before = new Map(services);
  for (const kind of STREAM_INGRESSES) {
    for (const ingress of oldestFirst(
      snapshot.list(kind.kind).filter((i) => snapshot.annotationMatchesClass(i)),
    )) {
      errors.warn(ingress, kind.deprecation);
      if (kind.kind === 'TCPIngress') claimIngressTls(ingress, tls);
      translateRules(snapshot, kind, ingress, services, before, errors);
    }
  }
}

function translateRules(
  snapshot: Snapshot,
  kind: StreamKind,
  ingress: K8sObject,
  services: ServiceMap,
  before: ReadonlyMap<string, unknown>,
  errors: ErrorCollector,
): void {
  const namespace = namespaceOf(ingress);
  const expressions = snapshot.settings.featureFlags.ExpressionRoutes;
  records(rec(ingress.spec)?.rules).forEach((rule, index) => {
    const backendSpec = rec(rule.backend);
    const serviceName = nonEmpty(backendSpec?.serviceName);
    const servicePort = int(backendSpec?.servicePort);
    const port = int(rule.port);
    if (!serviceName || servicePort === undefined || port === undefined) {
      errors.drop(
        ingress,
        `rule ${index}: needs port, backend.serviceName and backend.servicePort; rule skipped`,
      );
      return;
    }
    const route: KongRouteEntity = {
      name: `${namespace}.${nameOf(ingress)}.${index}${kind.routeSuffix}`,
      protocols: [...kind.protocols],
      tags: tagsForObject(ingress),
    };
    const host = kind.kind === 'TCPIngress' ? nonEmpty(rule.host) : undefined;
    if (expressions) {
      route.expression = render(and(sniMatcher(host ? [host] : []), or(intPred('net.dst.port', '==', port))));
      route.priority = 1;
    } else {
      route.destinations = [{ port }];
      if (host) route.snis = [host];
    }
    const name = `${namespace}.${serviceName}.${servicePort}${kind.serviceSuffix}`;
    let service = services.get(name);
    if (service && before.get(name) === service) {
      errors.warn(
        ingress,
        `Kong service ${name} of ${kindAndName(service.parent)} is replaced by this ${kind.kind}'s, as in KIC`,
      );
      service = undefined;
    }
    if (!service) {
      const backend: Backend = {
        kind: 'Service',
        namespace,
        name: serviceName,
        port: { mode: 'number', number: servicePort },
      };
      const entity = newServiceEntity(
        name,
        `${serviceName}.${namespace}.${servicePort}.svc`,
        kind.protocols[0],
      );
      // KIC's TCP service starts on port 80 (the backend's resolved port replaces it); UDP on the Service port.
      entity.port = kind.kind === 'TCPIngress' ? 80 : servicePort;
      service = newServiceDraft(entity, [backend], ingress);
      services.set(name, service);
    }
    service.routes.push({ entity: route, source: ingress, expression: expressions });
  });
}

function kindAndName(obj: K8sObject): string {
  return `${str(obj.kind) ?? 'object'} ${namespaceOf(obj)}/${nameOf(obj)}`;
}
