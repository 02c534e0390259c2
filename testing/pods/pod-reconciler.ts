/**
 * One thing per running pod, bound at the pod's IP inside the pod network: the loop proxy-pods.ts and
 * backend-pods.ts share. It watches the pods a label selector picks and keeps `running` equal to what
 * `want` says each pod should run. Level-triggered and serial: each pass compares every pod with every
 * running thing, so a pod IP reused by a new pod is only bound again after the old pod's thing let it go.
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { addPodAddress, type PodNetwork, removePodAddress } from './pod-network.ts';

export interface PodReconcilerOptions<Want extends { address: string }, Running extends { address: string }> {
  kubeConfig: KubeConfig;
  namespace: string;
  labelSelector: string;
  podNetwork: PodNetwork;
  /** What a pod should run, or undefined when it should run nothing (not running, going away). */
  want(pod: V1Pod): Want | undefined;
  /** Whether what runs for a pod still matches what it wants (otherwise it is restarted). */
  matches(running: Running, want: Want): boolean;
  start(name: string, want: Want): Promise<Running>;
  stop(name: string, running: Running): Promise<void>;
}

export interface PodReconciler<Running> {
  running(): Running[];
  /** Resolves once what runs matches the pods seen so far; rejects with the last failed pass. */
  settled(): Promise<void>;
  /** Stops watching and waits for the pass in flight; `release` then frees every pod address. */
  stop(): Promise<void>;
  /** Removes the pod addresses of everything still recorded as running and forgets it. */
  release(): Promise<void>;
}

export async function reconcilePods<Want extends { address: string }, Running extends { address: string }>(
  options: PodReconcilerOptions<Want, Running>,
): Promise<PodReconciler<Running>> {
  const { kubeConfig: kc, namespace, labelSelector, podNetwork } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer(
    kc,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );
  const running = new Map<string, Running>();
  let chain = Promise.resolve();
  let lastError: Error | undefined;
  const reconcile = async () => {
    const wanted = new Map<string, Want>();
    for (const pod of informer.list()) {
      const want = options.want(pod);
      if (want && pod.metadata?.name) wanted.set(pod.metadata.name, want);
    }
    for (const [name, current] of running) {
      const want = wanted.get(name);
      if (want && options.matches(current, want)) continue;
      await options.stop(name, current);
      await removePodAddress(podNetwork, current.address);
      running.delete(name);
    }
    for (const [name, want] of wanted) {
      if (running.has(name)) continue;
      await addPodAddress(podNetwork, want.address);
      running.set(name, await options.start(name, want));
    }
  };
  const schedule = () => {
    chain = chain.then(reconcile).catch((err: Error) => {
      lastError = err;
    });
  };
  for (const event of ['add', 'update', 'delete'] as const) informer.on(event, schedule);
  informer.on('error', () => {
    // The informer relists by itself after a broken watch; a pass then catches up.
    setTimeout(() => void informer.start().catch(() => {}), 1000);
  });
  await informer.start();
  schedule();
  await chain;

  return {
    running: () => [...running.values()],
    async settled() {
      await chain;
      if (lastError) throw lastError;
    },
    async stop() {
      await informer.stop();
      await chain;
    },
    async release() {
      for (const current of running.values()) await removePodAddress(podNetwork, current.address);
      running.clear();
    },
  };
}
