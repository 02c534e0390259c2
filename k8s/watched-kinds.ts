/** A kind the controller watches because the translator reads it. */
export interface WatchedKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** A CRD users may not have installed (Gateway API, optional Kong CRDs): missing means empty. */
  readonly optional: boolean;
}

const kong = 'configuration.konghq.com';
const gateway = 'gateway.networking.k8s.io';

function kind(
  group: string,
  version: string,
  kindName: string,
  plural: string,
  options: { namespaced?: boolean; optional?: boolean } = {},
): WatchedKind {
  return {
    group,
    version,
    kind: kindName,
    plural,
    namespaced: options.namespaced ?? true,
    optional: options.optional ?? false,
  };
}

/** Everything kong/translate reads, with the API version the controller asks for. */
export const watchedKinds: readonly WatchedKind[] = [
  kind('', 'v1', 'Service', 'services'),
  kind('', 'v1', 'Secret', 'secrets'),
  // Only the referenced ones are stored (k8s/secret-gate.ts configMapGate): CA certificates for Services.
  kind('', 'v1', 'ConfigMap', 'configmaps'),
  // Labels of route namespaces, for Gateway listeners with `allowedRoutes.namespaces.from: Selector`.
  kind('', 'v1', 'Namespace', 'namespaces', { namespaced: false }),
  kind('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  kind('networking.k8s.io', 'v1', 'Ingress', 'ingresses'),
  kind('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  kind(kong, 'v1', 'KongPlugin', 'kongplugins', { optional: true }),
  kind(kong, 'v1', 'KongClusterPlugin', 'kongclusterplugins', { namespaced: false, optional: true }),
  kind(kong, 'v1', 'KongConsumer', 'kongconsumers', { optional: true }),
  kind(kong, 'v1beta1', 'KongConsumerGroup', 'kongconsumergroups', { optional: true }),
  kind(kong, 'v1beta1', 'KongUpstreamPolicy', 'kongupstreampolicies', { optional: true }),
  kind(kong, 'v1', 'KongIngress', 'kongingresses', { optional: true }),
  kind(kong, 'v1beta1', 'TCPIngress', 'tcpingresses', { optional: true }),
  kind(kong, 'v1beta1', 'UDPIngress', 'udpingresses', { optional: true }),
  kind(kong, 'v1alpha1', 'KongCustomEntity', 'kongcustomentities', { optional: true }),
  kind(kong, 'v1alpha1', 'KongVault', 'kongvaults', { namespaced: false, optional: true }),
  kind(kong, 'v1alpha1', 'IngressClassParameters', 'ingressclassparameterses', { optional: true }),
  // Ingress backends behind the KongServiceFacade feature flag; watched whatever the flag, so turning it on
  // needs no restart of the watchers (an absent CRD is an empty list).
  kind('incubator.ingress-controller.konghq.com', 'v1alpha1', 'KongServiceFacade', 'kongservicefacades', {
    optional: true,
  }),
  kind(gateway, 'v1', 'GatewayClass', 'gatewayclasses', { namespaced: false, optional: true }),
  kind(gateway, 'v1', 'Gateway', 'gateways', { optional: true }),
  kind(gateway, 'v1', 'HTTPRoute', 'httproutes', { optional: true }),
  kind(gateway, 'v1', 'GRPCRoute', 'grpcroutes', { optional: true }),
  kind(gateway, 'v1alpha2', 'TCPRoute', 'tcproutes', { optional: true }),
  kind(gateway, 'v1alpha2', 'UDPRoute', 'udproutes', { optional: true }),
  kind(gateway, 'v1alpha2', 'TLSRoute', 'tlsroutes', { optional: true }),
  kind(gateway, 'v1beta1', 'ReferenceGrant', 'referencegrants', { optional: true }),
  kind(gateway, 'v1', 'BackendTLSPolicy', 'backendtlspolicies', { optional: true }),
];

export function apiVersionOf(watched: WatchedKind): string {
  return watched.group ? `${watched.group}/${watched.version}` : watched.version;
}

/** The list/watch path, cluster-wide or for one namespace. */
export function resourcePath(watched: WatchedKind, namespace?: string): string {
  const base = watched.group ? `/apis/${watched.group}/${watched.version}` : `/api/${watched.version}`;
  return namespace && watched.namespaced
    ? `${base}/namespaces/${namespace}/${watched.plural}`
    : `${base}/${watched.plural}`;
}
