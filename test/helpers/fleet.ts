import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import { type SimulatedFleet, startSimulatedFleet } from '../../scripts/kong-sim/index.ts';
import { createCa, createClientCertificate, createServerCertificate } from '../../scripts/lib/pki.ts';
import { createEndpointSlice, kubeConfig } from './kube.ts';

/**
 * The machine's first non-loopback IPv4 address. Simulated proxies listen on it because the API server
 * refuses loopback addresses in EndpointSlices, and discovery reads EndpointSlices.
 */
export function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  throw new Error('no non-loopback IPv4 address on this machine: simulated proxies cannot be discovered');
}

export interface TlsFleet {
  readonly fleet: SimulatedFleet;
  /** Client certificate, key and CA files for the controller. */
  readonly clientFiles: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly serviceName: string;
  stop(): Promise<void>;
}

/**
 * `count` simulated Kong proxies with admin mTLS (server certificates for KIC's `pod.<svc>.<ns>.svc`
 * name, client certificates required), registered behind an admin Service in `namespace` the way the
 * endpointslice controller would (one EndpointSlice per proxy, since each listens on its own port).
 */
export async function startTlsFleet(
  namespace: string,
  count: number,
  kc: KubeConfig = kubeConfig(),
  serviceName = 'kong-admin',
): Promise<TlsFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'kf-fleet-pki-'));
  const host = hostAddress();
  const ca = await createCa(dir);
  const server = await createServerCertificate(ca, {
    commonName: 'kong-admin',
    altNames: [`pod.${serviceName}.${namespace}.svc`, host, '127.0.0.1'],
  });
  const client = await createClientCertificate(ca, { commonName: 'kong-fleet-controller' });
  const fleet = await startSimulatedFleet({
    count,
    host,
    loadDurationMs: 5,
    tls: {
      cert: await readFile(server.cert),
      key: await readFile(server.key),
      clientCa: await readFile(ca.cert),
    },
  });
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace,
    body: {
      metadata: { name: serviceName, namespace },
      spec: { clusterIP: 'None', ports: [{ name: 'admin-tls', port: 8444, protocol: 'TCP' }] },
    },
  });
  for (const proxy of fleet.proxies) await registerProxy(namespace, serviceName, proxy.id, proxy.port, kc);
  return {
    fleet,
    clientFiles: { cert: client.cert, key: client.key, ca: ca.cert },
    serviceName,
    async stop() {
      await fleet.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One EndpointSlice for one proxy pod (address = this host, port = the proxy's admin port). */
export function registerProxy(
  namespace: string,
  serviceName: string,
  podName: string,
  port: number,
  kc?: KubeConfig,
) {
  return createEndpointSlice(
    {
      service: { metadata: { name: serviceName, namespace } },
      name: `${serviceName}-${podName}`,
      addresses: [hostAddress()],
      podNames: [podName],
      ports: [{ name: 'admin-tls', port }],
    },
    kc,
  );
}
