import { X509Certificate } from 'node:crypto';
import type { KongCACertificateEntity } from '../../declarative.ts';
import type { ErrorCollector } from '../errors.ts';
import {
  int,
  type K8sObject,
  kindOf,
  metadata,
  nameOf,
  namespaceOf,
  nonEmpty,
  records,
  refOf,
  secretData,
  specOf,
  str,
  uidOf,
} from '../k8s-object.ts';
import type { Backend, ServiceMap } from '../model.ts';
import type { Snapshot } from '../snapshot.ts';
import { tagsForObject } from '../tags.ts';
import {
  type BackendTLSPolicyVerdict,
  type ConditionVerdict,
  condition,
  type ParentRefVerdict,
  type RouteVerdict,
} from './verdicts.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The route kinds whose Kong services a BackendTLSPolicy applies to (Ingress has its own annotations). */
const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute']);
/** The spec caps `status.ancestors` at 16 entries. */
const MAX_ANCESTORS = 16;

export interface BackendTLSResult {
  /** CA certificates the policies reference (id = the object's `id` data field, else its uid). */
  readonly caCertificates: KongCACertificateEntity[];
  readonly verdicts: BackendTLSPolicyVerdict[];
}

interface ResolvedPolicy {
  readonly policy: K8sObject;
  readonly generation: number;
  readonly caIds: string[];
  readonly conditions: ConditionVerdict[];
  readonly accepted: boolean;
}

/**
 * BackendTLSPolicies (gateway.networking.k8s.io/v1) applied to the Kong services our HTTPRoutes/GRPCRoutes built
 * from the Services they target, as KIC 3.4+ does: `protocol` https (grpcs for gRPC), `tls_verify: true`,
 * `ca_certificates` from `validation.caCertificateRefs` (core ConfigMaps or Secrets with `ca.crt`), the upstream's
 * `host_header` from `validation.hostname` (Kong sends it as SNI and verifies the certificate against it).
 * `wellKnownCACertificates: System` verifies against the proxy's system trust store (no `ca_certificates`).
 * A policy whose references all fail is not applied (`Accepted=False, NoValidCACertificate`); when two policies
 * target the same Service (and section) the older one wins and the other is `Accepted=False, Conflicted`.
 * A verdict is made only for policies that reach one of our Gateways (the ancestors), so others get no status.
 */
export function applyBackendTLSPolicies(
  snapshot: Snapshot,
  services: ServiceMap,
  skip: ReadonlySet<string>,
  routeVerdicts: readonly RouteVerdict[],
  errors: ErrorCollector,
): BackendTLSResult {
  const policies = [...snapshot.list('BackendTLSPolicy')].sort(olderFirst);
  if (policies.length === 0) return { caCertificates: [], verdicts: [] };
  const caById = new Map<string, KongCACertificateEntity>();
  const claimed = new Map<string, K8sObject>(); // `ns/service/section` → winning policy
  const verdicts: BackendTLSPolicyVerdict[] = [];

  for (const policy of policies) {
    const resolved = resolvePolicy(snapshot, policy, caById);
    const ns = namespaceOf(policy);
    const validation = specOf(policy).validation as Record<string, unknown> | undefined;
    const hostname = nonEmpty(validation?.hostname);
    const ancestors = new Map<string, { ref: ParentRefVerdict; controllerName: string }>();
    let conflictedWith: K8sObject | undefined;
    for (const target of records(specOf(policy).targetRefs)) {
      if ((str(target.group) ?? '') !== '' || str(target.kind) !== 'Service') continue;
      const name = nonEmpty(target.name);
      if (!name) continue;
      const section = nonEmpty(target.sectionName);
      const key = `${ns}/${name}/${section ?? ''}`;
      const owner = claimed.get(key) ?? claimed.get(`${ns}/${name}/`);
      const conflicted = owner !== undefined && owner !== policy;
      if (conflicted) conflictedWith = owner;
      else if (resolved.accepted) claimed.set(key, policy);
      for (const [serviceName, service] of services) {
        if (skip.has(serviceName) || !ROUTE_KINDS.has(kindOf(service.parent))) continue;
        const svc = service.k8sServices.find((s) => namespaceOf(s) === ns && nameOf(s) === name);
        if (!svc || (section && !servesSection(svc, section, service.backends))) continue;
        for (const a of ancestorsOf(service.parent, routeVerdicts))
          ancestors.set(`${a.ref.namespace}/${a.ref.name}/${a.controllerName}`, a);
        if (!resolved.accepted || conflicted) continue;
        const s = service.entity;
        s.protocol = s.protocol === 'grpc' || s.protocol === 'grpcs' ? 'grpcs' : 'https';
        s.tls_verify = true;
        if (resolved.caIds.length > 0)
          s.ca_certificates = [...new Set([...(s.ca_certificates ?? []), ...resolved.caIds])];
        if (hostname) service.upstream.host_header = hostname;
      }
    }
    if (ancestors.size === 0) continue;
    let conditions = resolved.conditions;
    if (conflictedWith) {
      const message = `BackendTLSPolicy ${ns}/${nameOf(conflictedWith)} targets the same Service and is older`;
      conditions = [
        condition('Accepted', false, 'Conflicted', message, resolved.generation),
        ...conditions.filter((c) => c.type !== 'Accepted'),
      ];
      errors.warn(policy, message);
    }
    verdicts.push({
      ref: refOf(policy),
      ancestors: [...ancestors.values()]
        .sort((a, b) => (keyOfAncestor(a) < keyOfAncestor(b) ? -1 : 1))
        .slice(0, MAX_ANCESTORS)
        .map((a) => ({ ancestorRef: a.ref, controllerName: a.controllerName, conditions })),
    });
  }
  return { caCertificates: [...caById.values()], verdicts };
}

function resolvePolicy(
  snapshot: Snapshot,
  policy: K8sObject,
  caById: Map<string, KongCACertificateEntity>,
): ResolvedPolicy {
  const generation = int(metadata(policy).generation) ?? 0;
  const ns = namespaceOf(policy);
  const validation = (specOf(policy).validation ?? {}) as Record<string, unknown>;
  const refs = records(validation.caCertificateRefs);
  const wellKnown = str(validation.wellKnownCACertificates);
  const caIds: string[] = [];
  const problems: { reason: string; message: string }[] = [];
  for (const ref of refs) {
    const group = str(ref.group) ?? '';
    const kind = str(ref.kind) ?? '';
    const name = str(ref.name) ?? '';
    if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      problems.push({
        reason: 'InvalidKind',
        message: `caCertificateRef ${group}/${kind} ${name} is not a core ConfigMap or Secret`,
      });
      continue;
    }
    const object = snapshot.get(kind, ns, name);
    const pem = object ? caPemOf(object) : undefined;
    if (!object || typeof pem !== 'string') {
      problems.push({
        reason: 'InvalidCACertificateRef',
        message: object
          ? `${kind} ${ns}/${name}: ${typeof pem === 'object' ? pem.problem : ''}`
          : `${kind} ${ns}/${name} not found`,
      });
      continue;
    }
    const id =
      (kind === 'ConfigMap'
        ? str((object.data as Record<string, unknown> | undefined)?.id)
        : secretData(object).get('id')) ?? uidOf(object);
    if (!caById.has(id)) caById.set(id, { id, cert: pem, tags: tagsForObject(object) });
    if (kind === 'Secret') snapshot.secretValues.add(pem);
    if (!caIds.includes(id)) caIds.push(id);
  }
  const conditions: ConditionVerdict[] = [];
  let accepted = true;
  if (wellKnown !== undefined && wellKnown !== 'System') {
    accepted = false;
    conditions.push(
      condition(
        'Accepted',
        false,
        'Invalid',
        `wellKnownCACertificates "${wellKnown}" is not supported`,
        generation,
      ),
    );
  } else if (refs.length > 0 && caIds.length === 0 && wellKnown === undefined) {
    accepted = false;
    conditions.push(
      condition(
        'Accepted',
        false,
        'NoValidCACertificate',
        'no caCertificateRef resolves to a CA certificate',
        generation,
      ),
    );
  } else {
    conditions.push(
      condition(
        'Accepted',
        true,
        'Accepted',
        'applied to the Kong services of the targeted Services',
        generation,
      ),
    );
  }
  const first = problems[0];
  conditions.push(
    first
      ? condition('ResolvedRefs', false, first.reason, problems.map((p) => p.message).join('; '), generation)
      : condition('ResolvedRefs', true, 'ResolvedRefs', 'every caCertificateRef resolves', generation),
  );
  return { policy, generation, caIds, conditions, accepted };
}

/** The `ca.crt` PEM of a ConfigMap or Secret, if it is a CA certificate; otherwise what is wrong. */
function caPemOf(object: K8sObject): string | { problem: string } {
  const raw =
    kindOf(object) === 'ConfigMap'
      ? str((object.data as Record<string, unknown> | undefined)?.['ca.crt'])
      : secretData(object).get('ca.crt');
  const pem = raw?.trim();
  if (!pem) return { problem: 'no "ca.crt" data field' };
  try {
    if (!new X509Certificate(pem).ca)
      return { problem: "the certificate is missing the 'CA' basic constraint" };
  } catch {
    return { problem: '"ca.crt" is not a PEM certificate' };
  }
  return pem;
}

/** Whether the Kong service reaches `svc` on its port named `section` (the targetRef's sectionName). */
function servesSection(svc: K8sObject, section: string, backends: readonly Backend[]): boolean {
  const ports = records(specOf(svc).ports);
  return backends.some((b) => {
    if (b.namespace !== namespaceOf(svc) || b.name !== nameOf(svc)) return false;
    const want = b.port;
    const port =
      want.mode === 'number'
        ? ports.find((p) => int(p.port) === want.number)
        : want.mode === 'name'
          ? ports.find((p) => str(p.name) === want.name)
          : ports.length === 1
            ? ports[0]
            : undefined;
    return str(port?.name) === section;
  });
}

function ancestorsOf(
  route: K8sObject,
  verdicts: readonly RouteVerdict[],
): { ref: ParentRefVerdict; controllerName: string }[] {
  const verdict = verdicts.find(
    (v) =>
      v.ref.kind === kindOf(route) && v.ref.namespace === namespaceOf(route) && v.ref.name === nameOf(route),
  );
  if (!verdict) return [];
  return verdict.parents
    .filter((p) => p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'))
    .map((p) => ({
      ref: {
        group: GATEWAY_GROUP,
        kind: 'Gateway',
        namespace: p.parentRef.namespace,
        name: p.parentRef.name,
      },
      controllerName: p.controllerName,
    }));
}

function keyOfAncestor(a: { ref: ParentRefVerdict; controllerName: string }): string {
  return `${a.ref.namespace}/${a.ref.name}/${a.controllerName}`;
}

function olderFirst(a: K8sObject, b: K8sObject): number {
  const ta = str(metadata(a).creationTimestamp) ?? '';
  const tb = str(metadata(b).creationTimestamp) ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${namespaceOf(a)}/${nameOf(a)}`;
  const kb = `${namespaceOf(b)}/${nameOf(b)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
