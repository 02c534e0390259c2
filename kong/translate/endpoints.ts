import { A } from './annotations.ts';
import { ingressClassParameters } from './ingress-class-parameters.ts';
import {
  annotationsOf,
  bool,
  int,
  type K8sObject,
  nameOf,
  namespaceOf,
  rec,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';

/** A Kubernetes Service port (`spec.ports[]`), validated. */
export interface ServicePort {
  name: string;
  port: number;
  protocol: string;
  targetPort: string;
}

// Parsed ports cached by the identity of the raw `spec.ports` list (objects are never edited in place).
const portCache = new WeakMap<object, ServicePort[]>();

export function servicePorts(svc: K8sObject): ServicePort[] {
  const raw = specOf(svc).ports;
  if (!Array.isArray(raw)) return [];
  let ports = portCache.get(raw);
  if (!ports) {
    ports = parsePorts(raw);
    portCache.set(raw, ports);
  }
  return ports;
}

function parsePorts(raw: unknown[]): ServicePort[] {
  return records(raw).flatMap((p) => {
    const port = int(p.port);
    if (port === undefined) return [];
    const target = p.targetPort;
    return [
      {
        name: str(p.name) ?? '',
        port,
        protocol: str(p.protocol) ?? 'TCP',
        targetPort: typeof target === 'number' || typeof target === 'string' ? String(target) : String(port),
      },
    ];
  });
}

/**
 * `address:port` targets for one Service port, as KIC's `getEndpoints`: the Service's own DNS name with
 * `ingress.kubernetes.io/service-upstream` or our IngressClassParameters' `serviceUpstream`, the external name for
 * ExternalName Services, else every ready endpoint of the Service's EndpointSlices (see sliceTargets).
 */
export function targetsFor(
  snapshot: Snapshot,
  svc: K8sObject,
  port: ServicePort,
  onInvalid: (slice: K8sObject, address: string) => void = () => {},
): string[] {
  const spec = specOf(svc);
  if (isServiceUpstream(snapshot, svc)) return [`${nameOf(svc)}.${namespaceOf(svc)}.svc:${port.port}`];
  if (str(spec.type) === 'ExternalName') {
    const external = str(spec.externalName);
    return external ? [`${hostPart(external)}:${port.targetPort}`] : [];
  }
  return sliceTargets(snapshot, svc, port, isReady, onInvalid);
}

/**
 * Drain support (KIC's `--enable-drain-support`): the `address:port` targets of the Service port's *terminating*
 * endpoints, which get weight 0 so Kong sends them no new requests while their open connections finish. Nothing
 * for Services whose targets are not their endpoints (service-upstream, ExternalName).
 */
export function drainingTargetsFor(
  snapshot: Snapshot,
  svc: K8sObject,
  port: ServicePort,
  onInvalid: (slice: K8sObject, address: string) => void = () => {},
): string[] {
  if (isServiceUpstream(snapshot, svc) || str(specOf(svc).type) === 'ExternalName') return [];
  return sliceTargets(snapshot, svc, port, isTerminating, onInvalid);
}

/** Whether the Service's own DNS name is its one target (KIC's `isSvcUpstream`: annotation or class parameters). */
function isServiceUpstream(snapshot: Snapshot, svc: K8sObject): boolean {
  return annotationsOf(svc)[A.serviceUpstream] === 'true' || ingressClassParameters(snapshot).serviceUpstream;
}

type EndpointConditions = Record<string, unknown> | undefined;

// nil ready means "unknown", which Kubernetes says to treat as ready.
const isReady = (conditions: EndpointConditions) => bool(conditions?.ready) !== false;
const isTerminating = (conditions: EndpointConditions) => bool(conditions?.terminating) === true;

/**
 * Targets of the endpoints `wanted` accepts, in the Service's EndpointSlices whose port name equals the Service port
 * name and whose protocol is TCP or one the Service uses. Deduplicated, in slice order.
 */
function sliceTargets(
  snapshot: Snapshot,
  svc: K8sObject,
  port: ServicePort,
  wanted: (conditions: EndpointConditions) => boolean,
  onInvalid: (slice: K8sObject, address: string) => void,
): string[] {
  const protocols = new Set(['TCP', ...servicePorts(svc).map((p) => p.protocol)]);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const slice of snapshot.endpointSlicesFor(namespaceOf(svc), nameOf(svc))) {
    for (const p of records(slice.ports)) {
      const number = int(p.port);
      const protocol = str(p.protocol) ?? 'TCP';
      if (number === undefined || number < 0 || !protocols.has(protocol) || (str(p.name) ?? '') !== port.name)
        continue;
      for (const endpoint of records(slice.endpoints)) {
        if (!wanted(rec(endpoint.conditions))) continue;
        const address = strings(endpoint.addresses)[0];
        if (!address) continue;
        if (!isValidAddress(address)) {
          // Kong would reject the whole config for one bad target, and targets carry no tags to map it back.
          onInvalid(slice, address);
          continue;
        }
        const target = `${hostPart(address)}:${number}`;
        if (seen.has(target)) continue;
        seen.add(target);
        out.push(target);
      }
    }
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** An IPv4 or IPv6 address or a DNS name: what Kong accepts as a target host. */
export function isValidAddress(address: string): boolean {
  if (IPV4.test(address) || HOSTNAME.test(address)) return true;
  if (!address.includes(':')) return false;
  try {
    // URL parsing validates IPv6 literals without any I/O.
    return new URL(`http://[${address}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** IPv6 literals are bracketed so that the port concatenation stays unambiguous. */
function hostPart(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}
