import type { KongPluginEntity } from '../declarative.ts';
import type { ErrorCollector } from './errors.ts';
import { referenceGranted } from './gateway-api/reference-grants.ts';
import {
  groupVersionOf,
  int,
  type K8sObject,
  kindOf,
  namespaceOf,
  nonEmpty,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';
import { type Backend, newServiceEntity, type ServiceDraft } from './model.ts';
import type { Snapshot } from './snapshot.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** A backendRef as written in a Gateway API route (no API-server defaulting: kind may be absent). */
export interface BackendRefSpec {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

export function backendRefSpecs(value: unknown): BackendRefSpec[] {
  return records(value).map((b) => {
    const ref: BackendRefSpec = { name: str(b.name) ?? '' };
    const group = str(b.group);
    if (group !== undefined) ref.group = group;
    const kind = str(b.kind);
    if (kind !== undefined) ref.kind = kind;
    const namespace = str(b.namespace);
    if (namespace !== undefined) ref.namespace = namespace;
    const port = int(b.port);
    if (port !== undefined) ref.port = port;
    const weight = int(b.weight);
    if (weight !== undefined) ref.weight = weight;
    return ref;
  });
}

/**
 * KIC's `backendRefsToKongStateBackends`: keeps backendRefs that name an existing Service (`kind` must be written
 * out: inputs are not API-defaulted), in the core group, allowed across namespaces by a ReferenceGrant.
 */
export function resolveBackendRefs(
  snapshot: Snapshot,
  route: K8sObject,
  refs: readonly BackendRefSpec[],
  errors: ErrorCollector,
): Backend[] {
  const backends: Backend[] = [];
  const routeNs = namespaceOf(route);
  for (const ref of refs) {
    const namespace = ref.namespace ?? routeNs;
    const what = `backendRef ${namespace}/${ref.name}`;
    if (ref.kind === undefined) {
      errors.warn(route, `${what} has no kind (only kind: Service is supported); skipped`);
      continue;
    }
    if (ref.kind !== 'Service' || (ref.group !== undefined && ref.group !== '' && ref.group !== 'core')) {
      errors.warn(route, `${what}: unsupported kind ${ref.group ? `${ref.group}/` : ''}${ref.kind}; skipped`);
      continue;
    }
    if (!snapshot.get('Service', namespace, ref.name)) {
      errors.warn(route, `${what}: Service not found; skipped`);
      continue;
    }
    const from = { group: groupVersionOf(route).group, kind: kindOf(route), namespace: routeNs };
    if (!referenceGranted(snapshot, from, { group: '', kind: 'Service', namespace, name: ref.name })) {
      errors.warn(route, `${what}: no ReferenceGrant in ${namespace} allows it; skipped`);
      continue;
    }
    const backend: Backend = {
      kind: 'Service',
      namespace,
      name: ref.name,
      port: { mode: 'number', number: ref.port ?? -1 },
    };
    if (ref.weight !== undefined) backend.weight = ref.weight;
    backends.push(backend);
  }
  return backends;
}

/**
 * A Kong service for Gateway API rule(s): host = name, no path, port set later from the resolved backends.
 * `noRefsAnswer500`: rules without any backendRef answer 500 too (HTTPRoute, as the Gateway API conformance
 * test HTTPRouteNoBackendRefs requires; KIC 3.x adds the termination only when refs exist but none resolve,
 * leaving Kong's 503). A route's own request-termination or redirect (RequestRedirect) still answers first.
 */
export function gatewayServiceDraft(
  name: string,
  protocol: string,
  route: K8sObject,
  backends: Backend[],
  refCount: number,
  noRefsAnswer500 = false,
): ServiceDraft {
  const plugins: KongPluginEntity[] = [];
  // With no usable backend Gateway API requires a 500; Kong would answer 503, hence the request-termination.
  if (
    backends.length === 0 &&
    (refCount > 0 || noRefsAnswer500) &&
    (protocol.includes('http') || protocol.includes('grpc'))
  ) {
    plugins.push({
      name: 'request-termination',
      config: { status_code: 500, message: 'no existing backendRef provided' },
    });
  }
  return {
    entity: newServiceEntity(name, name, protocol),
    routes: [],
    plugins,
    backends,
    parent: route,
    namespace: namespaceOf(route),
    k8sServices: [],
    upstream: {},
  };
}

/** Listener ports of the route's parent Gateways with the given protocol (KIC's `getGatewayListeningPorts`). */
export function gatewayListenerPorts(snapshot: Snapshot, route: K8sObject, protocol: string): number[] {
  const ports: number[] = [];
  for (const parent of records(specOf(route).parentRefs)) {
    const kind = str(parent.kind);
    if (kind !== undefined && kind !== 'Gateway') continue;
    const ns = nonEmpty(parent.namespace) ?? namespaceOf(route);
    const gateway = snapshot.get('Gateway', ns, str(parent.name) ?? '');
    if (!gateway) continue;
    const section = str(parent.sectionName);
    for (const listener of records(specOf(gateway).listeners)) {
      if (section !== undefined && str(listener.name) !== section) continue;
      const port = int(listener.port);
      if (str(listener.protocol) === protocol && port !== undefined) ports.push(port);
    }
  }
  return ports;
}

export function hostnamesOf(route: K8sObject): string[] {
  return strings(specOf(route).hostnames);
}

export function ruleName(rule: Record<string, unknown>): string | undefined {
  return nonEmpty(rule.name);
}

/** Go `time.ParseDuration` subset used by Gateway API durations (`1h`, `30s`, `500ms`, `1m30s`). */
export function parseDurationMs(value: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null = re.exec(value);
  while (m !== null) {
    matched += m[0].length;
    const n = Number(m[1]);
    const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 }[m[2] as 'h'];
    total += n * unit;
    m = re.exec(value);
  }
  if (matched !== value.length || value === '') return undefined;
  return Math.trunc(total);
}
