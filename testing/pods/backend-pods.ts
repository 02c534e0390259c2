/**
 * Backends are pods too: watches the pods labelled as backends (`app.kubernetes.io/component=backend`)
 * and keeps one echo server (`startEchoServer`, named after the pod) per running pod, at the pod's IP and
 * its first container port, inside the pod network namespace; stopped when the pod goes. The Services
 * selecting these pods get their EndpointSlices from Kubernetes, so Kong targets are these pod IPs.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { type PodHost, startPodHost } from './pod-host-client.ts';
import type { PodNetwork } from './pod-network.ts';
import { reconcilePods } from './pod-reconciler.ts';

export const BACKEND_POD_SELECTOR = 'app.kubernetes.io/component=backend';

/** The port an echo listens on when the pod's containers declare none. */
export const DEFAULT_BACKEND_PORT = 8080;

export interface BackendPodsOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  podNetwork: PodNetwork;
  /** @defaultValue BACKEND_POD_SELECTOR */
  labelSelector?: string;
}

export interface BackendPod {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** The echo server's URL (`http://<pod IP>:<port>`). */
  readonly url: string;
}

export interface BackendPods {
  /** The echo servers serving right now, one per running backend pod. */
  running(): BackendPod[];
  /** Resolves once the echo servers match the pods seen so far. */
  settled(): Promise<void>;
  /** Stops watching and every echo server; removes the pod addresses. */
  stop(): Promise<void>;
}

function serving(pod: V1Pod): { address: string; port: number } | undefined {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running' || !pod.status.podIP)
    return undefined;
  const port = pod.spec?.containers.flatMap((container) => container.ports ?? [])[0]?.containerPort;
  return { address: pod.status.podIP, port: port ?? DEFAULT_BACKEND_PORT };
}

export async function startBackendPods(options: BackendPodsOptions): Promise<BackendPods> {
  const { kubeConfig, namespace, podNetwork } = options;
  const host: PodHost = await startPodHost(podNetwork.namespace);
  const pods = await reconcilePods<{ address: string; port: number }, BackendPod>({
    kubeConfig,
    namespace,
    podNetwork,
    labelSelector: options.labelSelector ?? BACKEND_POD_SELECTOR,
    want: serving,
    matches: (backend, want) => backend.address === want.address && backend.port === want.port,
    start: async (name, { address, port }) => {
      const { url } = await host.startEcho(name, address, port);
      return { name, address, port, url };
    },
    stop: (name) => host.stopEcho(name),
  });

  let stopped = false;
  return {
    running: pods.running,
    settled: pods.settled,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pods.stop();
      await host.stop();
      await pods.release();
    },
  };
}
