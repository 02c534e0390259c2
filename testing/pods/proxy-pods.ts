/**
 * Proxies are pods: watches the Kong Deployment's pods and keeps one simulated Kong per running pod,
 * bound to the pod's IP (admin on 8444 with mTLS, proxy on 8000 and 8443, status on 8100, as Kong listens)
 * inside the pod network namespace, stopped when the pod goes. Kubernetes' own controllers write the EndpointSlices the controller discovers them from.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCa,
  createClientCertificate,
  createServerCertificate,
} from '@kong-fleet/kong-dbless/simulator';
import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { type PodHost, startPodHost } from './pod-host-client.ts';
import type { ProxyPodFault, ProxyPodState, ProxyPodTls } from './pod-host-protocol.ts';
import { addPodAddress, type PodNetwork, removePodAddress } from './pod-network.ts';

export interface ProxyPodsOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Where the pod IPs live (the control plane's `podNetwork`). */
  podNetwork: PodNetwork;
  /** The proxy pods' labels. @defaultValue deploy/kong-proxy.yaml's selector */
  labelSelector?: string;
  /** The admin Service, for the server certificate's `pod.<svc>.<ns>.svc` name. @defaultValue 'kong-admin' */
  serviceName?: string;
  /** Folder for the CA, server and client certificates. @defaultValue a temp folder removed by stop() */
  pkiDir?: string;
}

export interface ProxyPod {
  /** The pod's name (what discovery names the proxy after). */
  readonly name: string;
  /** The same as `name`: the proxy id the controller records. */
  readonly id: string;
  readonly address: string;
  readonly adminUrl: string;
  /** The data plane: Kong's proxy (http 8000, https 8443 with the pod's certificate) and status (8100). */
  readonly proxyUrl: string;
  readonly proxyTlsUrl: string;
  readonly statusUrl: string;
  /** What the proxy reports about itself. */
  state(): Promise<ProxyPodState>;
  /** Simulator faults, run inside the pod network namespace. */
  readonly faults: { readonly [F in ProxyPodFault]: () => Promise<void> };
}

export interface ProxyPods {
  readonly namespace: string;
  readonly serviceName: string;
  /** The TLS name the controller verifies proxies against. */
  readonly serverName: string;
  /** Client certificate, key and CA files for the controller. */
  readonly clientFiles: { readonly cert: string; readonly key: string; readonly ca: string };
  /** The proxies serving right now, one per running pod. */
  running(): ProxyPod[];
  /** Resolves once the proxies match the pods seen so far (after a pending start or stop). */
  settled(): Promise<void>;
  /** Stops watching and every proxy; removes the pod addresses (and a temp PKI folder). */
  stop(): Promise<void>;
}

export const KONG_POD_SELECTOR = 'app.kubernetes.io/name=kong,app.kubernetes.io/component=proxy';

/** A pod that should have a proxy: it has an IP and is neither finished nor on its way out. */
function servingAddress(pod: V1Pod): string | undefined {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') return undefined;
  return pod.status.podIP;
}

export async function startProxyPods(options: ProxyPodsOptions): Promise<ProxyPods> {
  const { kubeConfig: kc, namespace, podNetwork, serviceName = 'kong-admin' } = options;
  const labelSelector = options.labelSelector ?? KONG_POD_SELECTOR;
  const ownDir = options.pkiDir === undefined;
  const dir = options.pkiDir ?? (await mkdtemp(join(tmpdir(), 'kf-proxy-pods-pki-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const serverName = `pod.${serviceName}.${namespace}.svc`;
  const ca = await createCa(dir);
  const server = await createServerCertificate(ca, { commonName: 'kong-admin', altNames: [serverName] });
  const client = await createClientCertificate(ca, { commonName: 'kong-fleet-controller' });
  const tls: ProxyPodTls = {
    cert: await readFile(server.cert, 'utf8'),
    key: await readFile(server.key, 'utf8'),
    clientCa: await readFile(ca.cert, 'utf8'),
  };

  const host: PodHost = await startPodHost(podNetwork.namespace);
  const running = new Map<string, ProxyPod>();
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer(
    kc,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );

  // Level-triggered and serial: each pass compares every pod with every proxy, so a pod IP reused by a
  // new pod is only bound again after the old pod's proxy has let it go.
  let chain = Promise.resolve();
  let lastError: Error | undefined;
  const reconcile = async () => {
    const wanted = new Map<string, string>();
    for (const pod of informer.list()) {
      const address = servingAddress(pod);
      if (address && pod.metadata?.name) wanted.set(pod.metadata.name, address);
    }
    for (const [name, proxy] of running) {
      if (wanted.get(name) === proxy.address) continue;
      await host.stopProxy(name);
      await removePodAddress(podNetwork, proxy.address);
      running.delete(name);
    }
    for (const [name, address] of wanted) {
      if (running.has(name)) continue;
      await addPodAddress(podNetwork, address);
      const urls = await host.startProxy(name, address, tls);
      running.set(name, {
        name,
        id: name,
        address,
        ...urls,
        state: () => host.proxyState(name),
        faults: {
          down: () => host.fault(name, 'down'),
          up: () => host.fault(name, 'up'),
          restart: () => host.fault(name, 'restart'),
        },
      });
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

  let stopped = false;
  return {
    namespace,
    serviceName,
    serverName,
    clientFiles: { cert: client.cert, key: client.key, ca: ca.cert },
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
      for (const proxy of running.values()) await removePodAddress(podNetwork, proxy.address);
      running.clear();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
