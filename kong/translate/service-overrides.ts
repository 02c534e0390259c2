import type { KongUpstreamEntity } from '../declarative.ts';
import { A, commaList, KONG_PROTOCOLS, parseGoBool, parseGoInt } from './annotations.ts';
import { tlsSecretProblem } from './certificates.ts';
import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import type { TlsClaims } from './ingress.ts';
import { annotationsOf, type K8sObject, namespaceOf, secretData, uidOf } from './k8s-object.ts';
import { kongIngressUpstream } from './kong-ingress.ts';
import type { ServiceDraft } from './model.ts';
import { facadeOf } from './service-backends.ts';
import type { Snapshot } from './snapshot.ts';
import { translateUpstreamPolicy } from './upstream-policy.ts';
import { upstreamPolicyGateProblem } from './version-gates.ts';

const NON_TLS_PROTOCOLS: ReadonlySet<string> = new Set([
  'http',
  'grpc',
  'tcp',
  'tls_passthrough',
  'udp',
  'ws',
]);

/**
 * Service-level annotations of every resolved Kubernetes Service (or KongServiceFacade) applied to the Kong
 * service and its upstream, as KIC's `Service.override`, `Upstream.override` and `populateServices` do.
 * Invalid values are ignored (KIC) and reported. Returns the objects the service now depends on.
 */
export function applyServiceOverrides(
  snapshot: Snapshot,
  service: ServiceDraft,
  tls: TlsClaims,
  errors: ErrorCollector,
): void {
  const s = service.entity;
  const kongIngress = kongIngressUpstream(snapshot, service, errors);
  const policies: Array<Partial<KongUpstreamEntity>> = [];
  for (const svc of service.k8sServices) {
    const anns = annotationsOf(svc);
    const owner = facadeOf(svc) ?? svc;
    const warn = (reason: string) => errors.warn(owner, reason);

    const protocol = anns[A.protocol];
    if (protocol !== undefined && protocol !== '') {
      if (KONG_PROTOCOLS.has(protocol)) s.protocol = protocol;
      else warn(`annotation ${A.protocol}: "${protocol}" is not a Kong protocol; ignored`);
    }
    const path = anns[A.path];
    if (path !== undefined && path !== '') {
      if (path.startsWith('/')) s.path = path;
      else warn(`annotation ${A.path}: "${path}" must start with "/"; ignored`);
    }
    for (const [key, field] of [
      [A.connectTimeout, 'connect_timeout'],
      [A.writeTimeout, 'write_timeout'],
      [A.readTimeout, 'read_timeout'],
      [A.retries, 'retries'],
    ] as const) {
      const parsed = parseGoInt(anns, key);
      if (parsed && 'value' in parsed) s[field] = parsed.value;
      else if (parsed) warn(parsed.invalid);
    }
    const verify = parseGoBool(anns, A.tlsVerify);
    if (verify && 'value' in verify) s.tls_verify = verify.value;
    else if (verify) warn(verify.invalid);
    const depth = parseGoInt(anns, A.tlsVerifyDepth);
    if (depth && 'value' in depth) {
      if (depth.value >= 0) s.tls_verify_depth = depth.value;
      else warn(`annotation ${A.tlsVerifyDepth}: must not be negative; ignored`);
    } else if (depth) warn(depth.invalid);

    clientCertificate(snapshot, service, svc, owner, tls, errors);
    caCertificates(snapshot, service, svc, owner, errors);

    // KIC's Upstream.override, per Service: the KongIngress upstream section, then the host-header annotation;
    // KongUpstreamPolicy fields are applied after every Service (below), so they win over both.
    if (kongIngress) Object.assign(service.upstream, kongIngress);
    const hostHeader = anns[A.hostHeader];
    if (hostHeader) service.upstream.host_header = hostHeader;
    const policyName = anns[A.upstreamPolicy];
    if (policyName !== undefined) {
      const policy = snapshot.get('KongUpstreamPolicy', namespaceOf(svc), policyName);
      if (!policy) {
        warn(`KongUpstreamPolicy "${policyName}" not found; upstream uses Kong's defaults`);
      } else {
        const translated = translateUpstreamPolicy(policy);
        const gated = upstreamPolicyGateProblem(policy, snapshot.settings.kongVersion);
        if (typeof translated === 'string') errors.reject(policy, translated);
        // KIC reports it on the Service as a translation failure and leaves the policy out (the upstream keeps
        // Kong's defaults, or the KongIngress upstream section).
        else if (gated) errors.drop(owner, gated);
        else policies.push(translated);
      }
    }
  }
  for (const policy of policies) Object.assign(service.upstream, policy);
  if (s.protocol === 'grpc' || s.protocol === 'grpcs') delete s.path;
}

function effectiveProtocol(svc: K8sObject): string {
  return annotationsOf(svc)[A.protocol] || 'http';
}

function clientCertificate(
  snapshot: Snapshot,
  service: ServiceDraft,
  svc: K8sObject,
  owner: K8sObject,
  tls: TlsClaims,
  errors: ErrorCollector,
): void {
  const secretName = annotationsOf(svc)[A.clientCert];
  if (!secretName) return;
  const secret = snapshot.get('Secret', namespaceOf(svc), secretName);
  if (!secret) {
    errors.warn(owner, `client certificate Secret "${secretName}" not found; ignored`);
    return;
  }
  const protocol = effectiveProtocol(svc);
  if (NON_TLS_PROTOCOLS.has(protocol)) {
    errors.warn(
      owner,
      `client certificate requested for incompatible service protocol "${protocol}"; ignored`,
    );
    return;
  }
  const key = `${namespaceOf(svc)}/${secretName}`;
  // No certificate is emitted for an invalid pair: referring to it would fail the whole Service.
  const problem = tlsSecretProblem(secret);
  if (problem) {
    errors.warn(owner, `client certificate Secret ${key} is invalid (${problem}); ignored`);
    // Still claimed, so the Secret itself is reported once by translateCertificates.
    getOrInsert(tls.hostsBySecret, key, () => []);
    return;
  }
  if (!tls.hostsBySecret.has(key)) tls.hostsBySecret.set(key, []);
  const parents = getOrInsert(tls.parentsBySecret, key, () => []);
  if (!parents.includes(owner)) parents.push(owner);
  service.entity.client_certificate = { id: uidOf(secret) };
}

function caCertificates(
  snapshot: Snapshot,
  service: ServiceDraft,
  svc: K8sObject,
  owner: K8sObject,
  errors: ErrorCollector,
): void {
  const anns = annotationsOf(svc);
  const secrets = (commaList(anns, A.caCertSecrets) ?? []).map((s) => s.trim()).filter(Boolean);
  const configMaps = (commaList(anns, A.caCertConfigMaps) ?? []).map((s) => s.trim()).filter(Boolean);
  if (secrets.length + configMaps.length === 0) return;
  const verify = parseGoBool(anns, A.tlsVerify);
  if (!verify || !('value' in verify) || !verify.value) {
    errors.warn(owner, 'CA certificates requested for a service without TLS verification enabled; ignored');
    return;
  }
  const protocol = effectiveProtocol(svc);
  if (NON_TLS_PROTOCOLS.has(protocol)) {
    errors.warn(owner, `CA certificates requested for incompatible service protocol "${protocol}"; ignored`);
    return;
  }
  const ids: string[] = [...(service.entity.ca_certificates ?? [])];
  for (const name of secrets) {
    const secret = snapshot.get('Secret', namespaceOf(svc), name);
    const id = secret ? secretData(secret).get('id') : undefined;
    if (!secret) errors.warn(owner, `CA certificate Secret "${name}" not found; ignored`);
    else if (!id) errors.warn(owner, `CA certificate Secret "${name}" has no "id" data field; ignored`);
    else if (!ids.includes(id)) ids.push(id);
  }
  for (const name of configMaps) {
    const cm = snapshot.get('ConfigMap', namespaceOf(svc), name);
    const data = cm?.data as Record<string, unknown> | undefined;
    const id = typeof data?.id === 'string' ? data.id : undefined;
    if (!cm) errors.warn(owner, `CA certificate ConfigMap "${name}" not found; ignored`);
    else if (!id) errors.warn(owner, `CA certificate ConfigMap "${name}" has no "id" data field; ignored`);
    else if (!ids.includes(id)) ids.push(id);
  }
  if (ids.length > 0) service.entity.ca_certificates = ids;
}
