import { tlsSecretProblem } from '../certificates.ts';
import { GATEWAY_GROUP } from '../gateway-common.ts';
import { int, type K8sObject, namespaceOf, nonEmpty, rec, records, specOf, str } from '../k8s-object.ts';
import type { Snapshot } from '../snapshot.ts';
import { referenceGranted } from './reference-grants.ts';
import { type ConditionVerdict, condition, type RouteGroupKind } from './verdicts.ts';

/** Route kinds each listener protocol carries (the spec's core protocols; TLS is passthrough here). */
const KINDS_BY_PROTOCOL: ReadonlyMap<string, readonly string[]> = new Map([
  ['HTTP', ['HTTPRoute', 'GRPCRoute']],
  ['HTTPS', ['HTTPRoute', 'GRPCRoute']],
  ['TLS', ['TLSRoute']],
  ['TCP', ['TCPRoute']],
  ['UDP', ['UDPRoute']],
]);

/** One listener of a Gateway as the attachment rules see it. */
export interface Listener {
  readonly gateway: K8sObject;
  readonly name: string;
  readonly port: number | undefined;
  readonly protocol: string;
  readonly hostname: string | undefined;
  readonly allowedRoutes: Record<string, unknown> | undefined;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** The protocol is one we serve (the listener's `Accepted`). */
  readonly accepted: boolean;
  /** Accepted, not conflicted: routes may attach (a listener with unresolved refs still accepts routes). */
  readonly usable: boolean;
  /** `namespace/name` of the TLS Secret that serves this listener, when it resolved. */
  readonly certificateSecret: string | undefined;
  readonly conditions: (attachedRoutes: number) => ConditionVerdict[];
}

/** Evaluates every listener of one of our Gateways: protocol, kinds, certificates, conflicts. */
export function evaluateListeners(snapshot: Snapshot, gateway: K8sObject, generation: number): Listener[] {
  const specs = records(specOf(gateway).listeners);
  const conflicts = listenerConflicts(specs);
  return specs.map((spec, index) => {
    const name = str(spec.name) ?? '';
    const protocol = str(spec.protocol) ?? '';
    const carried = KINDS_BY_PROTOCOL.get(protocol);
    const allowedRoutes = rec(spec.allowedRoutes);
    const kinds = routeKinds(allowedRoutes, carried ?? []);
    const tls = tlsOf(snapshot, gateway, spec, protocol);
    const conflict = conflicts[index];
    const accepted = carried !== undefined;
    const resolved = kinds.invalid === undefined && tls.problem === undefined;
    const programmed = accepted && resolved && conflict === undefined;
    return {
      gateway,
      name,
      port: int(spec.port),
      protocol,
      hostname: nonEmpty(spec.hostname),
      allowedRoutes,
      supportedKinds: kinds.supported,
      accepted,
      usable: accepted && conflict === undefined,
      certificateSecret: tls.secret,
      conditions: () => [
        accepted
          ? condition('Accepted', true, 'Accepted', 'listener accepted', generation)
          : condition(
              'Accepted',
              false,
              'UnsupportedProtocol',
              `protocol ${protocol} is not supported`,
              generation,
            ),
        conflict
          ? condition('Conflicted', true, conflict.reason, conflict.message, generation)
          : condition('Conflicted', false, 'NoConflicts', 'no conflicts', generation),
        kinds.invalid
          ? condition('ResolvedRefs', false, 'InvalidRouteKinds', kinds.invalid, generation)
          : tls.problem
            ? condition('ResolvedRefs', false, tls.problem.reason, tls.problem.message, generation)
            : condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', generation),
        programmed
          ? condition('Programmed', true, 'Programmed', 'listener programmed', generation)
          : condition('Programmed', false, 'Invalid', 'listener is not valid', generation),
      ],
    };
  });
}

function routeKinds(
  allowedRoutes: Record<string, unknown> | undefined,
  carried: readonly string[],
): { supported: RouteGroupKind[]; invalid?: string } {
  const asked = records(allowedRoutes?.kinds);
  if (asked.length === 0) return { supported: carried.map((kind) => ({ group: GATEWAY_GROUP, kind })) };
  const supported: RouteGroupKind[] = [];
  const unsupported: string[] = [];
  for (const k of asked) {
    const group = str(k.group) ?? GATEWAY_GROUP;
    const kind = str(k.kind) ?? '';
    if (group === GATEWAY_GROUP && carried.includes(kind)) supported.push({ group, kind });
    else unsupported.push(`${group}/${kind}`);
  }
  return unsupported.length > 0
    ? { supported, invalid: `route kinds not supported by this listener: ${unsupported.join(', ')}` }
    : { supported };
}

interface TlsResult {
  secret?: string;
  problem?: { reason: string; message: string };
}

/** The certificate of an HTTPS listener (TLS listeners pass through: the backend terminates). */
function tlsOf(
  snapshot: Snapshot,
  gateway: K8sObject,
  spec: Record<string, unknown>,
  protocol: string,
): TlsResult {
  if (protocol !== 'HTTPS') return {};
  const refs = records(rec(spec.tls)?.certificateRefs);
  const ref = refs[0];
  if (!ref)
    return { problem: { reason: 'InvalidCertificateRef', message: 'HTTPS listener has no certificateRefs' } };
  const group = str(ref.group) ?? '';
  const kind = str(ref.kind) ?? 'Secret';
  const namespace = nonEmpty(ref.namespace) ?? namespaceOf(gateway);
  const name = str(ref.name) ?? '';
  const key = `${namespace}/${name}`;
  if ((group !== '' && group !== 'core') || kind !== 'Secret')
    return {
      problem: {
        reason: 'InvalidCertificateRef',
        message: `certificateRef ${group}/${kind} ${key} is not a Secret`,
      },
    };
  const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: namespaceOf(gateway) };
  if (!referenceGranted(snapshot, from, { group: '', kind: 'Secret', namespace, name }))
    return {
      problem: {
        reason: 'RefNotPermitted',
        message: `certificateRef to Secret ${key} is not permitted by any ReferenceGrant in ${namespace}`,
      },
    };
  const secret = snapshot.get('Secret', namespace, name);
  if (!secret) return { problem: { reason: 'InvalidCertificateRef', message: `Secret ${key} not found` } };
  const problem = tlsSecretProblem(secret);
  if (problem) return { problem: { reason: 'InvalidCertificateRef', message: `Secret ${key}: ${problem}` } };
  return { secret: key };
}

/** Listeners sharing a port: incompatible protocols, or the same protocol and hostname (spec's Conflicted). */
function listenerConflicts(
  specs: readonly Record<string, unknown>[],
): ({ reason: string; message: string } | undefined)[] {
  return specs.map((spec, index) => {
    const port = int(spec.port);
    const protocol = str(spec.protocol);
    const hostname = nonEmpty(spec.hostname) ?? '';
    for (const [otherIndex, other] of specs.entries()) {
      if (otherIndex === index || int(other.port) !== port) continue;
      const otherProtocol = str(other.protocol);
      if (otherProtocol !== protocol && !isTcpUdpPair(protocol, otherProtocol))
        return {
          reason: 'ProtocolConflict',
          message: `port ${port} is also used with protocol ${otherProtocol}`,
        };
      if (otherProtocol === protocol && (nonEmpty(other.hostname) ?? '') === hostname)
        return {
          reason: 'HostnameConflict',
          message: `listener ${str(other.name)} uses the same port, protocol and hostname`,
        };
    }
    return undefined;
  });
}

function isTcpUdpPair(a: string | undefined, b: string | undefined): boolean {
  return (a === 'TCP' && b === 'UDP') || (a === 'UDP' && b === 'TCP');
}
