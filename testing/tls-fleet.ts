/**
 * The static proxy list: simulated Kong proxies with admin mTLS, registered in Kubernetes the way a real
 * fleet would be (an admin Service plus hand-written EndpointSlices), so the controller discovers them
 * exactly as in a cluster. The fallback of testing/proxy-fleet.ts where no pod network can be made (no
 * root, or KONG_FLEET_POD_NETWORK=off); proxies are pods everywhere else.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCa,
  createClientCertificate,
  createServerCertificate,
  type SimulatedFleet,
  startSimulatedFleet,
} from '@kong-fleet/kong-dbless/simulator';
import { CoreV1Api, type KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';
import { createEndpointSlice } from './endpoint-slice.ts';

/**
 * The machine's first non-loopback IPv4 address, or undefined when it has none. Simulated proxies listen
 * on it because the API server refuses loopback addresses in EndpointSlices, and discovery reads those.
 */
export function findHostAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** {@link findHostAddress}, or an error saying why it matters. */
export function hostAddress(): string {
  const address = findHostAddress();
  if (address === undefined)
    throw new Error('no non-loopback IPv4 address on this machine: simulated proxies cannot be discovered');
  return address;
}

export interface TlsFleetOptions {
  /** Where the admin Service and EndpointSlices are created. */
  kubeConfig: KubeConfig;
  namespace: string;
  /** Number of proxies (`proxy-0` … `proxy-<count-1>`). */
  count: number;
  /** The admin Service discovery watches. @defaultValue 'kong-admin' */
  serviceName?: string;
  /** Folder for the CA, server and client certificates. @defaultValue a fresh temp folder, removed by stop() */
  pkiDir?: string;
  /** How long a config load holds a proxy's lock (429 meanwhile). @defaultValue 5 */
  loadDurationMs?: number;
  /** The EndpointSlices' `managed-by` label. @defaultValue 'test-harness.kong-fleet.io' */
  managedBy?: string;
  /** Also serve Kong's proxy (http, https) and Status API, each on a free port. @defaultValue false */
  dataPlane?: boolean;
}

export interface TlsFleet {
  readonly fleet: SimulatedFleet;
  /** Client certificate, key and CA files for the controller. */
  readonly clientFiles: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly serviceName: string;
  readonly namespace: string;
  /** The address the proxies listen on (see {@link hostAddress}). */
  readonly host: string;
  /** Stops the proxies (and removes the PKI folder when it was a temp folder). Kubernetes objects stay. */
  stop(): Promise<void>;
}

/**
 * `count` simulated Kong proxies with admin mTLS (server certificates for KIC's `pod.<svc>.<ns>.svc`
 * name, client certificates required), registered behind a headless admin Service in `namespace` the way
 * the endpointslice controller would (one EndpointSlice per proxy, since each listens on its own port).
 */
export async function startTlsFleet(options: TlsFleetOptions): Promise<TlsFleet> {
  const { kubeConfig: kc, namespace, count, serviceName = 'kong-admin', managedBy } = options;
  const host = hostAddress();
  const ownDir = options.pkiDir === undefined;
  const dir = options.pkiDir ?? (await mkdtemp(join(tmpdir(), 'kf-fleet-pki-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const removeDir = () => (ownDir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());

  let fleet: SimulatedFleet | undefined;
  try {
    const ca = await createCa(dir);
    const server = await createServerCertificate(ca, {
      commonName: 'kong-admin',
      altNames: [`pod.${serviceName}.${namespace}.svc`, host, '127.0.0.1'],
    });
    const client = await createClientCertificate(ca, { commonName: 'kong-fleet-controller' });
    const serverTls = { cert: await readFile(server.cert, 'utf8'), key: await readFile(server.key, 'utf8') };
    fleet = await startSimulatedFleet({
      count,
      host,
      loadDurationMs: options.loadDurationMs ?? 5,
      tls: { ...serverTls, clientCa: await readFile(ca.cert) },
      ...(options.dataPlane
        ? { dataPlane: { httpPort: 0, httpsPort: 0, statusPort: 0, tls: serverTls } }
        : {}),
    });
    await kc.makeApiClient(CoreV1Api).createNamespacedService({
      namespace,
      body: {
        metadata: { name: serviceName, namespace },
        spec: { clusterIP: 'None', ports: [{ name: 'admin-tls', port: 8444, protocol: 'TCP' }] },
      },
    });
    for (const proxy of fleet.proxies) {
      await registerProxy(kc, {
        namespace,
        serviceName,
        podName: proxy.id,
        port: proxy.port,
        ...(managedBy ? { managedBy } : {}),
      });
    }
    const started = fleet;
    return {
      fleet: started,
      clientFiles: { cert: client.cert, key: client.key, ca: ca.cert },
      serviceName,
      namespace,
      host,
      async stop() {
        await started.stop();
        await removeDir();
      },
    };
  } catch (err) {
    await fleet?.stop();
    await removeDir();
    throw err;
  }
}

export interface RegisterProxyOptions {
  namespace: string;
  serviceName: string;
  /** The pod the endpoint points at (KIC's discovery names the proxy after it). */
  podName: string;
  /** The proxy's admin port. */
  port: number;
  /** @defaultValue 'test-harness.kong-fleet.io' */
  managedBy?: string;
}

/** One EndpointSlice for one proxy pod (address = this host, port = the proxy's admin port). */
export function registerProxy(kc: KubeConfig, options: RegisterProxyOptions): Promise<V1EndpointSlice> {
  const { namespace, serviceName, podName, port, managedBy } = options;
  return createEndpointSlice(kc, {
    service: { metadata: { name: serviceName, namespace } },
    name: `${serviceName}-${podName}`,
    addresses: [hostAddress()],
    podNames: [podName],
    ports: [{ name: 'admin-tls', port }],
    ...(managedBy ? { managedBy } : {}),
  });
}
