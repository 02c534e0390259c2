import type { ErrorCollector } from '../errors.ts';
import { GATEWAY_GROUP } from '../gateway-common.ts';
import {
  int,
  type K8sObject,
  kindOf,
  labelsOf,
  metadata,
  nameOf,
  namespaceOf,
  nonEmpty,
  rec,
  records,
  refOf,
  specOf,
  str,
  strings,
} from '../k8s-object.ts';
import type { Snapshot } from '../snapshot.ts';
import { backendRefsCondition } from './backend-refs.ts';
import { intersectHostnames } from './hostnames.ts';
import { labelSelectorMatches } from './label-selector.ts';
import { evaluateListeners, type Listener } from './listeners.ts';
import {
  condition,
  type GatewayAPIVerdicts,
  type GatewayVerdict,
  NO_VERDICTS,
  type ParentRefVerdict,
  type RouteParentVerdict,
  type RouteVerdict,
  SUPPORTED_FEATURES,
} from './verdicts.ts';

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute'] as const;

/** Route kinds whose `spec.hostnames` must intersect the listener's hostname. */
const HOSTNAME_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);

/** A TLS Secret one of our HTTPS listeners serves, with the listener's hostname as SNI. */
export interface ListenerCertificate {
  readonly secret: string;
  readonly gateway: K8sObject;
  readonly hostname: string | undefined;
}

export interface GatewayAttachment {
  readonly verdicts: GatewayAPIVerdicts;
  /**
   * The routes to translate, per kind: in `spec` mode only attached ones, each rewritten to what it serves
   * through its listeners (hostnames intersected, parentRefs narrowed to the listeners it attached to).
   */
  readonly routes: ReadonlyMap<string, readonly K8sObject[]>;
  /** Kong route protocols an attached route gets from its listeners' protocols. */
  readonly protocols: ReadonlyMap<K8sObject, readonly string[]>;
  readonly certificates: readonly ListenerCertificate[];
}

/**
 * Gateway API ownership and attachment, as the spec defines them: our GatewayClasses (by `controllerName`),
 * their Gateways, and the routes those Gateways' listeners accept (`parentRefs` group/kind/namespace/name/
 * sectionName/port, `allowedRoutes` namespaces and kinds, hostname intersection, protocol ↔ kind). A route that
 * attaches nowhere is not translated. In `unfiltered` mode (KIC's goldens, whose input KIC's Gateway
 * controllers filtered already) every route is translated as it is and no verdict is made.
 */
export function attachGatewayRoutes(snapshot: Snapshot, errors: ErrorCollector): GatewayAttachment {
  if (snapshot.settings.gatewayAttachment === 'unfiltered') {
    return {
      verdicts: NO_VERDICTS,
      routes: new Map(ROUTE_KINDS.map((kind) => [kind, snapshot.list(kind)])),
      protocols: new Map(),
      certificates: [],
    };
  }
  const controllerNames = snapshot.settings.gatewayControllerNames;
  const classes = new Map<string, string>();
  const gatewayClasses = [];
  for (const cls of snapshot.list('GatewayClass')) {
    const controllerName = str(specOf(cls).controllerName) ?? '';
    if (!controllerNames.includes(controllerName)) continue;
    classes.set(nameOf(cls), controllerName);
    gatewayClasses.push({
      ref: refOf(cls),
      conditions: [condition('Accepted', true, 'Accepted', 'accepted by kong-fleet', generationOf(cls))],
      supportedFeatures: SUPPORTED_FEATURES,
    });
  }

  const gateways = new Map<string, { gateway: K8sObject; listeners: Listener[]; controllerName: string }>();
  for (const gateway of snapshot.list('Gateway')) {
    const controllerName = classes.get(str(specOf(gateway).gatewayClassName) ?? '');
    if (controllerName === undefined) continue;
    const listeners = evaluateListeners(snapshot, gateway, generationOf(gateway));
    gateways.set(`${namespaceOf(gateway)}/${nameOf(gateway)}`, { gateway, listeners, controllerName });
  }

  const attachedCount = new Map<Listener, number>();
  const routes = new Map<string, K8sObject[]>();
  const protocols = new Map<K8sObject, string[]>();
  const routeVerdicts: RouteVerdict[] = [];
  for (const kind of ROUTE_KINDS) {
    const kept: K8sObject[] = [];
    for (const route of snapshot.list(kind)) {
      const attached = attachRoute(snapshot, route, gateways);
      if (attached.parents.length === 0) continue; // not ours: left alone, no status, no Event
      routeVerdicts.push({ ref: refOf(route), parents: attached.parents });
      if (attached.listeners.length === 0) {
        errors.drop(route, `not attached to any Gateway listener: ${refusals(attached.parents)}`);
        continue;
      }
      const refused = attached.parents.filter((p) => p.conditions[0]?.status !== 'True');
      if (refused.length > 0) errors.warn(route, `some parentRefs were not accepted: ${refusals(refused)}`);
      for (const listener of new Set(attached.listeners))
        attachedCount.set(listener, (attachedCount.get(listener) ?? 0) + 1);
      const served = servedRoute(route, attached.listeners, attached.hostnames);
      kept.push(served);
      const routeProtocols = listenerProtocols(kind, attached.listeners);
      if (routeProtocols.length > 0) protocols.set(served, routeProtocols);
    }
    routes.set(kind, kept);
  }

  const gatewayVerdicts: GatewayVerdict[] = [];
  const certificates: ListenerCertificate[] = [];
  for (const { gateway, listeners } of gateways.values()) {
    const generation = generationOf(gateway);
    gatewayVerdicts.push({
      ref: refOf(gateway),
      generation,
      conditions: [gatewayAccepted(listeners, generation)],
      listeners: listeners.map((l) => ({
        name: l.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: attachedCount.get(l) ?? 0,
        conditions: l.conditions(attachedCount.get(l) ?? 0),
      })),
    });
    for (const l of listeners) {
      if (l.usable && l.certificateSecret)
        certificates.push({ secret: l.certificateSecret, gateway, hostname: l.hostname });
    }
  }
  return {
    verdicts: { gatewayClasses, gateways: gatewayVerdicts, routes: routeVerdicts },
    routes,
    protocols,
    certificates,
  };
}

interface Attached {
  parents: RouteParentVerdict[];
  listeners: Listener[];
  /** Per accepted listener, what the route serves through it. */
  hostnames: Array<'any' | string[]>;
}

function attachRoute(
  snapshot: Snapshot,
  route: K8sObject,
  gateways: ReadonlyMap<string, { gateway: K8sObject; listeners: Listener[]; controllerName: string }>,
): Attached {
  const out: Attached = { parents: [], listeners: [], hostnames: [] };
  const generation = generationOf(route);
  const routeKind = kindOf(route);
  const routeHostnames = HOSTNAME_KINDS.has(routeKind) ? strings(specOf(route).hostnames) : [];
  let resolvedRefs: ReturnType<typeof backendRefsCondition> | undefined;
  for (const ref of records(specOf(route).parentRefs)) {
    const parentRef = parentRefOf(ref, namespaceOf(route));
    if (parentRef.group !== GATEWAY_GROUP || parentRef.kind !== 'Gateway') continue;
    const owner = gateways.get(`${parentRef.namespace}/${parentRef.name}`);
    if (!owner) continue;
    resolvedRefs ??= backendRefsCondition(snapshot, route, generation);
    const refused = (reason: string, message: string) =>
      out.parents.push({
        parentRef,
        controllerName: owner.controllerName,
        conditions: [condition('Accepted', false, reason, message, generation), resolvedRefs!],
      });
    const matching = owner.listeners.filter(
      (l) =>
        (parentRef.sectionName === undefined || l.name === parentRef.sectionName) &&
        (parentRef.port === undefined || l.port === parentRef.port),
    );
    if (matching.length === 0) {
      refused('NoMatchingParent', 'no listener matches the parentRef sectionName/port');
      continue;
    }
    const allowing = matching.filter(
      (l) =>
        l.usable &&
        l.supportedKinds.some((k) => k.kind === routeKind) &&
        namespaceAllowed(snapshot, l, namespaceOf(route)),
    );
    if (allowing.length === 0) {
      refused(
        'NotAllowedByListeners',
        `no listener of Gateway ${parentRef.namespace}/${parentRef.name} allows this ${routeKind} from namespace ${namespaceOf(route)}`,
      );
      continue;
    }
    const matched = allowing
      .map((l) => ({
        l,
        hosts: HOSTNAME_KINDS.has(routeKind)
          ? intersectHostnames(l.hostname, routeHostnames)
          : ('any' as const),
      }))
      .filter(({ hosts }) => hosts === 'any' || hosts.length > 0);
    if (matched.length === 0) {
      refused('NoMatchingListenerHostname', 'no listener hostname intersects the route hostnames');
      continue;
    }
    for (const { l, hosts } of matched) {
      out.listeners.push(l);
      out.hostnames.push(hosts);
    }
    out.parents.push({
      parentRef,
      controllerName: owner.controllerName,
      conditions: [condition('Accepted', true, 'Accepted', 'accepted', generation), resolvedRefs],
    });
  }
  return out;
}

/**
 * The spec's Gateway `Accepted`: True while at least one listener is accepted, with reason ListenersNotValid
 * when some are not; False (ListenersNotValid) when none is.
 */
function gatewayAccepted(listeners: readonly Listener[], generation: number) {
  const invalid = listeners.filter((l) => !l.accepted).map((l) => l.name);
  if (invalid.length === 0)
    return condition('Accepted', true, 'Accepted', 'accepted by kong-fleet', generation);
  const message = `listeners not valid: ${invalid.join(', ')}`;
  return condition('Accepted', invalid.length < listeners.length, 'ListenersNotValid', message, generation);
}

function parentRefOf(ref: Record<string, unknown>, routeNamespace: string): ParentRefVerdict {
  const out: { -readonly [K in keyof ParentRefVerdict]: ParentRefVerdict[K] } = {
    group: str(ref.group) ?? GATEWAY_GROUP,
    kind: str(ref.kind) ?? 'Gateway',
    namespace: nonEmpty(ref.namespace) ?? routeNamespace,
    name: str(ref.name) ?? '',
  };
  const sectionName = nonEmpty(ref.sectionName);
  if (sectionName !== undefined) out.sectionName = sectionName;
  const port = int(ref.port);
  if (port !== undefined) out.port = port;
  return out;
}

/** `allowedRoutes.namespaces.from`: Same (the default), All, or Selector over the route namespace's labels. */
function namespaceAllowed(snapshot: Snapshot, listener: Listener, routeNamespace: string): boolean {
  const namespaces = rec(listener.allowedRoutes?.namespaces);
  switch (str(namespaces?.from) ?? 'Same') {
    case 'All':
      return true;
    case 'Selector': {
      const ns = snapshot.get('Namespace', '', routeNamespace);
      return ns !== undefined && labelSelectorMatches(namespaces?.selector, labelsOf(ns));
    }
    case 'Same':
      return routeNamespace === namespaceOf(listener.gateway);
    default:
      return false;
  }
}

/** The route as it is served: hostnames intersected with its listeners', parentRefs naming those listeners. */
function servedRoute(
  route: K8sObject,
  listeners: readonly Listener[],
  hostnames: ReadonlyArray<'any' | string[]>,
): K8sObject {
  const spec = specOf(route);
  const served: Record<string, unknown> = { ...spec };
  if (HOSTNAME_KINDS.has(kindOf(route))) {
    if (hostnames.includes('any')) delete served.hostnames;
    else {
      const union: string[] = [];
      for (const list of hostnames) for (const h of list as string[]) if (!union.includes(h)) union.push(h);
      served.hostnames = union;
    }
  }
  served.parentRefs = listeners.map((l) => ({
    group: GATEWAY_GROUP,
    kind: 'Gateway',
    namespace: namespaceOf(l.gateway),
    name: nameOf(l.gateway),
    sectionName: l.name,
  }));
  return { ...route, spec: served };
}

const PROTOCOLS: Record<string, Record<string, string>> = {
  HTTPRoute: { HTTP: 'http', HTTPS: 'https' },
  GRPCRoute: { HTTP: 'grpc', HTTPS: 'grpcs' },
};

function listenerProtocols(kind: string, listeners: readonly Listener[]): string[] {
  const table = PROTOCOLS[kind];
  if (!table) return [];
  const out: string[] = [];
  for (const p of Object.keys(table)) {
    if (listeners.some((l) => l.protocol === p)) out.push(table[p]!);
  }
  return out;
}

function refusals(parents: readonly RouteParentVerdict[]): string {
  return parents
    .map(
      (p) =>
        `${p.parentRef.namespace}/${p.parentRef.name}: ${p.conditions[0]?.reason} (${p.conditions[0]?.message})`,
    )
    .join('; ');
}

function generationOf(obj: K8sObject): number {
  return int(metadata(obj).generation) ?? 0;
}
