/**
 * Backends are pods too: watches the pods labelled as backends (`app.kubernetes.io/component=backend`)
 * and keeps one echo server (`startEchoServer`, named after the pod) per running pod, at the pod's IP and
 * its first container port, inside the pod network namespace; stopped when the pod goes. The Services
 * selecting these pods get their EndpointSlices from Kubernetes, so Kong targets are these pod IPs.
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { type PodHost, startPodHost } from './pod-host-client.ts';
import { addPodAddress, type PodNetwork, removePodAddress } from './pod-network.ts';

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
  const { kubeConfig: kc, namespace, podNetwork } = options;
  const labelSelector = options.labelSelector ?? BACKEND_POD_SELECTOR;
  const host: PodHost = await startPodHost(podNetwork.namespace);
  const running = new Map<string, BackendPod>();
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer(
    kc,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );

  // Level-triggered and serial, as in proxy-pods.ts: a reused pod IP is bound again only once let go.
  let chain = Promise.resolve();
  let lastError: Error | undefined;
  const reconcile = async () => {
    const wanted = new Map<string, { address: string; port: number }>();
    for (const pod of informer.list()) {
      const where = serving(pod);
      if (where && pod.metadata?.name) wanted.set(pod.metadata.name, where);
    }
    for (const [name, backend] of running) {
      const want = wanted.get(name);
      if (want?.address === backend.address && want.port === backend.port) continue;
      await host.stopEcho(name);
      await removePodAddress(podNetwork, backend.address);
      running.delete(name);
    }
    for (const [name, { address, port }] of wanted) {
      if (running.has(name)) continue;
      await addPodAddress(podNetwork, address);
      const { url } = await host.startEcho(name, address, port);
      running.set(name, { name, address, port, url });
    }
  };
  const schedule = () => {
    chain = chain.then(reconcile).catch((err: Error) => {
      lastError = err;
    });
  };
  for (const event of ['add', 'update', 'delete'] as const) informer.on(event, schedule);
  informer.on('error', () => {
    setTimeout(() => void informer.start().catch(() => {}), 1000);
  });
  await informer.start();
  schedule();
  await chain;

  let stopped = false;
  return {
    running: () => [...running.values()],
    async settled() {
      await chain;
      if (lastError) throw lastError;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await informer.stop();
      await chain;
      await host.stop();
      for (const backend of running.values()) await removePodAddress(podNetwork, backend.address);
      running.clear();
    },
  };
}
