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
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { type PodHost, startPodHost } from './pod-host-client.ts';
import type { ProxyImpairment, ProxyPodFault, ProxyPodState, ProxyPodTls } from './pod-host-protocol.ts';
import { addPodAddress, type PodNetwork, removePodAddress } from './pod-network.ts';
import { reconcilePods } from './pod-reconciler.ts';

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
  /**
   * The admin listener's material and the controller's files, when they exist already (an install's
   * Secrets): no PKI is made then. @defaultValue a fresh CA, server and client certificate in `pkiDir`
   */
  credentials?: {
    tls: ProxyPodTls;
    clientFiles: { readonly cert: string; readonly key: string; readonly ca: string };
  };
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
  /** The simulator's latency, failure, drop and version faults for this pod's Admin API. */
  impair(impairment: ProxyImpairment): Promise<void>;
  /** Takes the pod's address off the pod network (packets to it vanish) or puts it back. */
  unreachable(on: boolean): Promise<void>;
}

export interface ProxyPods {
  /** What testing/proxy-fleet.ts calls this kind of fleet. */
  readonly mode: 'pods';
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

/**
 * A CA, the admin server certificate for `serverName` and the controller's client certificate, in
 * `pkiDir` or in a temp folder (`tempDir`, for stop() to remove).
 */
async function createPki(pkiDir: string | undefined, serverName: string) {
  const dir = pkiDir ?? (await mkdtemp(join(tmpdir(), 'kf-proxy-pods-pki-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa(dir);
  const server = await createServerCertificate(ca, { commonName: 'kong-admin', altNames: [serverName] });
  const client = await createClientCertificate(ca, { commonName: 'kong-fleet-controller' });
  const tls: ProxyPodTls = {
    cert: await readFile(server.cert, 'utf8'),
    key: await readFile(server.key, 'utf8'),
    clientCa: await readFile(ca.cert, 'utf8'),
  };
  const clientFiles = { cert: client.cert, key: client.key, ca: ca.cert };
  return { tls, clientFiles, ...(pkiDir === undefined ? { tempDir: dir } : {}) };
}

export async function startProxyPods(options: ProxyPodsOptions): Promise<ProxyPods> {
  const { kubeConfig: kc, namespace, podNetwork, serviceName = 'kong-admin' } = options;
  const serverName = `pod.${serviceName}.${namespace}.svc`;
  const pki: { tls: ProxyPodTls; clientFiles: ProxyPods['clientFiles']; tempDir?: string } =
    options.credentials ?? (await createPki(options.pkiDir, serverName));
  const { tls, clientFiles } = pki;

  const host: PodHost = await startPodHost(podNetwork.namespace);
  const pods = await reconcilePods<{ address: string }, ProxyPod>({
    kubeConfig: kc,
    namespace,
    podNetwork,
    labelSelector: options.labelSelector ?? KONG_POD_SELECTOR,
    want: (pod) => {
      const address = servingAddress(pod);
      return address ? { address } : undefined;
    },
    matches: (proxy, want) => proxy.address === want.address,
    start: async (name, { address }) => ({
      name,
      id: name,
      address,
      ...(await host.startProxy(name, address, tls)),
      state: () => host.proxyState(name),
      faults: {
        down: () => host.fault(name, 'down'),
        up: () => host.fault(name, 'up'),
        restart: () => host.fault(name, 'restart'),
      },
      impair: (impairment) => host.impair(name, impairment),
      // The simulator stays bound to the address; only the network forgets it.
      unreachable: (on) => (on ? removePodAddress(podNetwork, address) : addPodAddress(podNetwork, address)),
    }),
    stop: (name) => host.stopProxy(name),
  });

  let stopped = false;
  return {
    namespace,
    serviceName,
    serverName,
    mode: 'pods',
    clientFiles,
    running: pods.running,
    settled: pods.settled,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pods.stop();
      await host.stop();
      await pods.release();
      if (pki.tempDir) await rm(pki.tempDir, { recursive: true, force: true });
    },
  };
}
