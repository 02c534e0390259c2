/**
 * The Kong fleet the tests and the demo run against, whichever way it is served: as pods (the Kong
 * Deployment of deploy/kong-proxy.yaml, a simulated Kong at each pod IP, EndpointSlices written by
 * Kubernetes; testing/pods/proxy-pods.ts) or, where no pod network can be made, as today's static list
 * (simulated proxies on this machine's address with hand-written EndpointSlices; testing/tls-fleet.ts).
 * Callers see one shape and do not care which.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import type { KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../lib/wait-for.ts';
import { impair } from './pods/impairment.ts';
import type { ProxyImpairment, ProxyPodFault, ProxyPodState } from './pods/pod-host-protocol.ts';
import type { PodNetwork } from './pods/pod-network.ts';
import { startProxyPods } from './pods/proxy-pods.ts';
import { startTlsFleet, type TlsFleet } from './tls-fleet.ts';

/** One proxy of the fleet: a pod's simulated Kong, or a static simulated proxy. */
export interface FleetProxy {
  /** What the controller names the proxy (the pod's name; `proxy-<i>` in the static list). */
  readonly id: string;
  readonly address: string;
  readonly adminUrl: string;
  /** Kong's proxy listeners and Status API (always for pods; for static proxies when asked). */
  readonly proxyUrl?: string;
  readonly proxyTlsUrl?: string;
  readonly statusUrl?: string;
  /** What the proxy reports about itself. */
  state(): Promise<ProxyPodState>;
  /** Simulator faults (inside the pod network for pods). */
  readonly faults: { readonly [F in ProxyPodFault]: () => Promise<void> };
  /** The simulator's latency, failure, drop and version faults for the Admin API. */
  impair(impairment: ProxyImpairment): Promise<void>;
  /**
   * Pods only: takes the pod's address off the pod network (true) or puts it back (false). Packets to it
   * then vanish without an answer, as when a node goes away: a connect hangs, nothing is refused.
   */
  readonly unreachable?: (on: boolean) => Promise<void>;
}

export interface ProxyFleet {
  /** `pods`: the Kong Deployment's pods; `static`: the fallback list without a pod network. */
  readonly mode: 'pods' | 'static';
  readonly namespace: string;
  /** The admin Service the controller discovers proxies through. */
  readonly serviceName: string;
  /** The TLS name the controller verifies proxies against (`pod.<svc>.<ns>.svc`). */
  readonly serverName: string;
  /** Client certificate, key and CA files for the controller. */
  readonly clientFiles: { readonly cert: string; readonly key: string; readonly ca: string };
  /** The proxies serving right now. */
  running(): FleetProxy[];
  /** Resolves once the proxies match what Kubernetes says should run (at once for the static list). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** A simulator proxy of this process, listening at `address`, as a {@link FleetProxy}. */
export function fleetProxyOf(proxy: SimulatedProxy, address: string): FleetProxy {
  return {
    id: proxy.id,
    address,
    adminUrl: proxy.adminUrl,
    ...(proxy.proxyUrl ? { proxyUrl: proxy.proxyUrl } : {}),
    ...(proxy.proxyTlsUrl ? { proxyTlsUrl: proxy.proxyTlsUrl } : {}),
    ...(proxy.statusUrl ? { statusUrl: proxy.statusUrl } : {}),
    state: async () => {
      const { configurationHash, up, configPushes } = proxy.state();
      return { configurationHash, up, configPushes };
    },
    faults: {
      down: () => proxy.faults.down(),
      up: () => proxy.faults.up(),
      restart: async () => proxy.faults.restart(),
    },
    impair: async (impairment) => impair(proxy, impairment),
  };
}

/** The static list as a {@link ProxyFleet} (it follows proxies added to or removed from `tls.fleet`). */
export function staticProxyFleet(tls: TlsFleet): ProxyFleet {
  const seen = new WeakMap<SimulatedProxy, FleetProxy>();
  const wrap = (proxy: SimulatedProxy) => {
    const known = seen.get(proxy);
    if (known) return known;
    const wrapped = fleetProxyOf(proxy, tls.host);
    seen.set(proxy, wrapped);
    return wrapped;
  };
  return {
    mode: 'static',
    namespace: tls.namespace,
    serviceName: tls.serviceName,
    serverName: `pod.${tls.serviceName}.${tls.namespace}.svc`,
    clientFiles: tls.clientFiles,
    running: () => tls.fleet.proxies.map(wrap),
    settled: async () => {},
    stop: () => tls.stop(),
  };
}

const KONG_PROXY_MANIFEST = fileURLToPath(new URL('../deploy/kong-proxy.yaml', import.meta.url));

/** deploy/kong-proxy.yaml (the Kong Deployment and its Services) for `namespace`, at `replicas`. */
export async function kongDeploymentManifest(namespace: string, replicas: number): Promise<string> {
  return (await readFile(KONG_PROXY_MANIFEST, 'utf8'))
    .replaceAll('namespace: kong-fleet', `namespace: ${namespace}`)
    .replace(/^ {2}replicas: \d+$/m, `  replicas: ${replicas}`);
}

export interface ProxyFleetOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Kong pods (or static proxies) to start with. */
  replicas: number;
  /** The control plane's pod network; undefined selects the static fallback. */
  podNetwork: PodNetwork | undefined;
  /** `kubectl apply` of a manifest (the Kong Deployment, pods mode only). */
  apply(manifest: string): Promise<unknown>;
  /** @defaultValue 'kong-admin' */
  serviceName?: string;
  /** Folder for the PKI. @defaultValue a temp folder removed by stop() */
  pkiDir?: string;
  /** How long the pods may take to be served. @defaultValue 60000 */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Proxies as pods when there is a pod network: applies the Kong Deployment at `replicas` and resolves
 * once a simulated Kong serves every pod. Without one, `replicas` static proxies behind a hand-made
 * admin Service (the Deployment is not applied: its pods' IPs would be discovered and never answer).
 */
export async function startProxyFleet(options: ProxyFleetOptions): Promise<ProxyFleet> {
  const { kubeConfig, namespace, replicas, podNetwork, serviceName = 'kong-admin', pkiDir } = options;
  if (!podNetwork) {
    const tls = await startTlsFleet({
      kubeConfig,
      namespace,
      count: replicas,
      serviceName,
      // Each on a free port of this machine's address: what a pod serves on 8000/8443/8100.
      dataPlane: true,
      ...(pkiDir ? { pkiDir } : {}),
    });
    return staticProxyFleet(tls);
  }
  await options.apply(await kongDeploymentManifest(namespace, replicas));
  const pods = await startProxyPods({
    kubeConfig,
    namespace,
    podNetwork,
    serviceName,
    ...(pkiDir ? { pkiDir } : {}),
  });
  try {
    await waitFor(
      async () => {
        await pods.settled();
        return pods.running().length === replicas;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 100,
        description: `${replicas} Kong pods served in ${namespace}`,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (err) {
    await pods.stop();
    throw err;
  }
  return pods;
}
