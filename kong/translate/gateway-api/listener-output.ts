import { getOrInsert } from '../collections.ts';
import type { TlsClaims } from '../ingress.ts';
import type { K8sObject } from '../k8s-object.ts';
import type { ServiceMap } from '../model.ts';
import type { ListenerCertificate } from './attachment.ts';

/**
 * Routes of attached HTTPRoutes/GRPCRoutes get their listeners' protocols (`["http"]`, `["https"]`, both),
 * so an HTTPS-only Gateway does not also answer in plain text. Set before the route overrides, so a
 * `konghq.com/protocols` annotation still wins.
 */
export function applyListenerProtocols(
  services: ServiceMap,
  protocols: ReadonlyMap<K8sObject, readonly string[]>,
): void {
  if (protocols.size === 0) return;
  for (const service of services.values()) {
    for (const route of service.routes) {
      const wanted = protocols.get(route.source);
      if (wanted) route.entity.protocols = [...wanted];
    }
  }
}

/**
 * HTTPS listener certificates join the Ingress TLS claims, so they become Kong certificates exactly as KIC's
 * `getGatewayCerts` makes them: id = the Secret's uid, the Secret's tags, SNI = the listener hostname, or `*`
 * for a listener without one (Kong accepts `*` as the SNI of a default certificate, 11-snis_spec.lua).
 */
const ANY_HOST_SNI = '*';

export function claimListenerCertificates(
  certificates: readonly ListenerCertificate[],
  tls: TlsClaims,
): void {
  for (const { secret, gateway, hostname = ANY_HOST_SNI } of certificates) {
    const hosts = getOrInsert(tls.hostsBySecret, secret, () => []);
    if (!tls.seenHosts.has(hostname)) {
      tls.seenHosts.add(hostname);
      hosts.push(hostname);
    }
    const parents = getOrInsert(tls.parentsBySecret, secret, () => []);
    if (!parents.includes(gateway)) parents.push(gateway);
  }
}
