import { inject } from 'vitest';
import type { PodNetwork } from '../../testing/pods/pod-network.ts';
import { kongDeploymentManifest } from '../../testing/proxy-fleet.ts';
import { kubectl, kubectlApply } from './kube.ts';

/** The run's pod network, or undefined where there is none (no root, or KONG_FLEET_POD_NETWORK=off). */
export function podNetwork(): PodNetwork | undefined {
  return inject('podNetwork') ?? undefined;
}

/** Applies deploy/kong-proxy.yaml (the Kong Deployment and its Services) to `namespace`. */
export async function applyKongDeployment(namespace: string, replicas: number): Promise<void> {
  await kubectlApply(await kongDeploymentManifest(namespace, replicas));
}

export interface PodSummary {
  name: string;
  ip?: string;
  node?: string;
  /** Pending (not scheduled or not started yet), Running, … */
  phase?: string;
  ready: boolean;
}

/** The pods matching `selector` in `namespace` that are not on their way out. */
export async function livePods(namespace: string, selector: string): Promise<PodSummary[]> {
  const list = JSON.parse(await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as {
    items: {
      metadata: { name: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
    }[];
  };
  return list.items
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .map((pod) => ({
      name: pod.metadata.name,
      ...(pod.status.podIP ? { ip: pod.status.podIP } : {}),
      ...(pod.spec.nodeName ? { node: pod.spec.nodeName } : {}),
      ...(pod.status.phase ? { phase: pod.status.phase } : {}),
      ready: pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    }));
}

/**
 * Every IPv4 address in the EndpointSlices Kubernetes wrote for `service`, and those of them whose
 * endpoint is ready (the pod is Ready: its containers and every readiness gate).
 */
export async function endpointSliceAddresses(
  namespace: string,
  service: string,
): Promise<{ managedBy: string[]; addresses: string[]; readyAddresses: string[] }> {
  const list = JSON.parse(
    await kubectl([
      'get',
      'endpointslices',
      '-n',
      namespace,
      '-l',
      `kubernetes.io/service-name=${service}`,
      '-o',
      'json',
    ]),
  ) as {
    items: {
      metadata: { labels?: Record<string, string> };
      endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
    }[];
  };
  const endpoints = list.items.flatMap((slice) => slice.endpoints ?? []);
  return {
    managedBy: list.items.map(
      (slice) => slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '',
    ),
    addresses: endpoints.flatMap((endpoint) => endpoint.addresses),
    // A terminating pod stays in its slice (ready=false) until it is gone; `ready` unset means ready.
    readyAddresses: endpoints
      .filter((endpoint) => endpoint.conditions?.ready !== false)
      .flatMap((endpoint) => endpoint.addresses),
  };
}
