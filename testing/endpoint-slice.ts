import { randomUUID } from 'node:crypto';
import {
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';

export interface EndpointSliceOptions {
  /** The Service the slice belongs to (its name and namespace are used). */
  service: Pick<V1Service, 'metadata'>;
  /** Endpoint IPs; never loopback (the apiserver rejects those), e.g. 10.1.2.3. */
  addresses: string[];
  ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[];
  /** @defaultValue true */
  ready?: boolean;
  /** @defaultValue `<service>-<random>` */
  name?: string;
  /** Pod each address belongs to (same order), for targetRef. */
  podNames?: string[];
  /** The `endpointslice.kubernetes.io/managed-by` label. @defaultValue 'test-harness.kong-fleet.io' */
  managedBy?: string;
}

/**
 * Creates the EndpointSlice the endpointslice controller would create in a cluster: a bare apiserver runs
 * no controllers, so tests and the demo make them. `managed-by` names the harness, not the real controller.
 */
export async function createEndpointSlice(
  kc: KubeConfig,
  options: EndpointSliceOptions,
): Promise<V1EndpointSlice> {
  const { service, addresses, ports, ready = true, podNames } = options;
  const serviceName = service.metadata?.name;
  const namespace = service.metadata?.namespace;
  if (!serviceName || !namespace)
    throw new Error('createEndpointSlice: service.metadata needs name and namespace');
  const body: V1EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: options.name ?? `${serviceName}-${randomUUID().slice(0, 5)}`,
      namespace,
      labels: {
        'kubernetes.io/service-name': serviceName,
        'endpointslice.kubernetes.io/managed-by': options.managedBy ?? 'test-harness.kong-fleet.io',
      },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((address, i) => ({
      addresses: [address],
      conditions: { ready, serving: ready, terminating: false },
      ...(podNames?.[i] ? { targetRef: { kind: 'Pod', name: podNames[i], namespace } } : {}),
    })),
    ports: ports.map(({ name, port, protocol = 'TCP' }) => ({ ...(name ? { name } : {}), port, protocol })),
  };
  return kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({ namespace, body });
}
