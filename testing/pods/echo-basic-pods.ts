/**
 * The Gateway API conformance suite's backends are pods too: watches the pods of the suite's namespaces
 * whose container runs the `echo-basic` image in its HTTP mode (no GRPC_/TCP_/UDP_ECHO_SERVER) and keeps one
 * echo-basic stand-in (testing/pods/echo-basic.ts) per running pod, at the pod's IP and echo-basic's HTTP
 * port (HTTP_PORT, else 3000), inside the pod network namespace. Kubernetes writes the EndpointSlices of the
 * suite's Services (targetPort 3000), so Kong's targets are these pod IPs.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { type PodHost, startPodHost } from './pod-host-client.ts';
import type { PodNetwork } from './pod-network.ts';
import { type PodReconciler, reconcilePods } from './pod-reconciler.ts';

/** The namespaces of the suite's base manifests (conformance/base/manifests.yaml). */
export const CONFORMANCE_NAMESPACES = [
  'gateway-conformance-infra',
  'gateway-conformance-app-backend',
  'gateway-conformance-web-backend',
] as const;

const OTHER_MODES = ['GRPC_ECHO_SERVER', 'TCP_ECHO_SERVER', 'UDP_ECHO_SERVER'];

/** Where an echo-basic pod serves HTTP, or undefined when it should serve nothing. */
export function echoBasicServing(pod: V1Pod): { address: string; port: number } | undefined {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running' || !pod.status.podIP)
    return undefined;
  const container = pod.spec?.containers.find((c) => /\/echo-basic(:|@|$)/.test(c.image ?? ''));
  if (!container) return undefined;
  const env = new Map((container.env ?? []).map((e) => [e.name, e.value ?? '']));
  if (OTHER_MODES.some((mode) => env.get(mode))) return undefined;
  const port = Number(env.get('HTTP_PORT') || 3000);
  return { address: pod.status.podIP, port };
}

export interface EchoBasicPods {
  /** `namespace/pod` of every stand-in serving now. */
  running(): string[];
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEchoBasicPods(options: {
  kubeConfig: KubeConfig;
  podNetwork: PodNetwork;
  namespaces?: readonly string[];
}): Promise<EchoBasicPods> {
  const { kubeConfig, podNetwork } = options;
  const host: PodHost = await startPodHost(podNetwork.namespace);
  const reconcilers: PodReconciler<{ name: string; address: string; port: number }>[] = [];
  for (const namespace of options.namespaces ?? CONFORMANCE_NAMESPACES) {
    reconcilers.push(
      await reconcilePods<{ address: string; port: number }, { name: string; address: string; port: number }>(
        {
          kubeConfig,
          namespace,
          podNetwork,
          // Every pod of the suite's Deployments carries `app`.
          labelSelector: 'app',
          want: echoBasicServing,
          matches: (running, want) => running.address === want.address && running.port === want.port,
          start: async (name, { address, port }) => {
            await host.startEchoBasic(name, address, port, namespace);
            return { name: `${namespace}/${name}`, address, port };
          },
          stop: (name) => host.stopEcho(`${namespace}/${name}`),
        },
      ),
    );
  }
  let stopped = false;
  return {
    running: () => reconcilers.flatMap((r) => r.running().map((pod) => pod.name)),
    settled: async () => {
      for (const r of reconcilers) await r.settled();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const r of reconcilers) await r.stop();
      await host.stop();
      for (const r of reconcilers) await r.release();
    },
  };
}
