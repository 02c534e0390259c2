import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type SimulatedProxy, startSimulatedFleet } from '@kong-fleet/kong-dbless/simulator';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type V1Container,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import type { ProxyPodTls } from '../../testing/pods/pod-host-protocol.ts';
import type { PodNetwork } from '../../testing/pods/pod-network.ts';
import { KONG_POD_SELECTOR, startProxyPods } from '../../testing/pods/proxy-pods.ts';
import { type FleetProxy, fleetProxyOf } from '../../testing/proxy-fleet.ts';
import { podNetwork } from '../helpers/cluster.ts';
import { type ControllerProcess, startController } from '../helpers/controller.ts';
import { echoApp } from '../helpers/echo-app.ts';
import { eventually } from '../helpers/eventually.ts';
import { hostAddress, registerProxy } from '../helpers/fleet.ts';
import {
  freshNamespace,
  kubeConfig,
  kubeconfigPath,
  kubectl,
  kubectlApply,
  type ServiceAccountCredentials,
  serviceAccountToken,
} from '../helpers/kube.ts';
import { adminClient, entities, servedConfig, waitForConvergence } from '../helpers/pipeline.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../helpers/redis.ts';
import {
  applyKustomization,
  type DeployOverlay,
  deployOverlay,
  find,
} from '../integration/deploy/overlay.ts';
import { container, containerEnv, podSpec, secretFileAt } from '../integration/deploy/pod-template.ts';

const run = promisify(execFile);

interface ProxyInstanceObject {
  metadata: { name: string };
  spec: { adminURL: string; fleet: string };
  status?: { state?: string; actualHash?: string };
}

/** The ProxyInstances the controller keeps in `namespace`, read as admin. */
async function proxyInstances(namespace: string): Promise<ProxyInstanceObject[]> {
  const list = (await kubeConfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: 'kongfleet.io',
    version: 'v1alpha1',
    namespace,
    plural: 'proxyinstances',
  })) as {
    items: ProxyInstanceObject[];
  };
  return list.items;
}
/** The run's control-plane folder: keys and tokens put there are deleted with it, even after a crash. */
const runDir = () => dirname(kubeconfigPath());
const MAKE_CERTS = fileURLToPath(new URL('../../scripts/deploy/make-certs.ts', import.meta.url));

/** The bytes of the Secret key a file path in the container is mounted from, as the kubelet would mount it. */
async function mountedFile(spec: V1PodSpec, target: V1Container, namespace: string, path: string) {
  const { secretName, key } = secretFileAt(spec, target, path);
  const secret = await kubeConfig()
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: secretName, namespace });
  const data = secret.data?.[key];
  if (!data) throw new Error(`Secret ${namespace}/${secretName} has no key ${key} (mounted at ${path})`);
  return Buffer.from(data, 'base64');
}

/** The install's Kong proxies as this test drives them: discovered, added to and taken away from. */
interface KongFleet {
  proxies(): FleetProxy[];
  /** One more proxy pod; resolves to it once it serves. */
  add(): Promise<FleetProxy>;
  /** One proxy pod fewer; resolves to the one that went. */
  remove(): Promise<FleetProxy>;
  stop(): Promise<void>;
}

/**
 * The install's own Kong Deployment, its pods served at their pod IPs with the certificates the
 * Deployment mounts; scaling it adds and removes proxies, and Kubernetes writes kong-admin's EndpointSlices.
 */
async function kongPods(
  namespace: string,
  network: PodNetwork,
  tls: ProxyPodTls,
  clientFiles: { cert: string; key: string; ca: string },
): Promise<KongFleet> {
  const pods = await startProxyPods({
    kubeConfig: kubeConfig(),
    namespace,
    podNetwork: network,
    credentials: { tls, clientFiles },
  });
  const serving = (count: number) =>
    eventually(
      async () => {
        await pods.settled();
        const running = pods.running();
        return running.length === count ? running : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `${count} Kong pods served` },
    );
  const scaleTo = async (replicas: number) => {
    await kubectl(['scale', 'deployment/kong', '-n', namespace, `--replicas=${replicas}`]);
    return serving(replicas);
  };
  await serving(2); // deploy/kong-proxy.yaml's replicas
  return {
    proxies: () => pods.running(),
    async add() {
      const before = new Set(pods.running().map((proxy) => proxy.id));
      return (await scaleTo(before.size + 1)).find((proxy) => !before.has(proxy.id))!;
    },
    async remove() {
      const before = pods.running();
      const after = new Set((await scaleTo(before.length - 1)).map((proxy) => proxy.id));
      return before.find((proxy) => !after.has(proxy.id))!;
    },
    stop: () => pods.stop(),
  };
}

/**
 * The static fallback without a pod network: the Kong Deployment scaled away (its pods' IPs would be
 * discovered and never answer), simulated proxies with its certificates registered by hand as
 * EndpointSlices of the install's kong-admin Service.
 */
async function staticKong(namespace: string, tls: ProxyPodTls): Promise<KongFleet> {
  await kubectl(['scale', 'deployment/kong', '-n', namespace, '--replicas=0']);
  await eventually(
    async () =>
      (await kubectl(['get', 'pods', '-n', namespace, '-l', KONG_POD_SELECTOR, '-o', 'name'])).trim() === '',
    { timeoutMs: 60_000, description: 'the Kong Deployment to have no pods' },
  );
  const host = hostAddress();
  const fleet = await startSimulatedFleet({ count: 2, host, kongVersion: '3.9.1', loadDurationMs: 5, tls });
  const register = (proxy: SimulatedProxy) => registerProxy(namespace, 'kong-admin', proxy.id, proxy.port);
  for (const proxy of fleet.proxies) await register(proxy);
  return {
    proxies: () => fleet.proxies.map((proxy) => fleetProxyOf(proxy, host)),
    async add() {
      const added = await fleet.add();
      await register(added);
      return fleetProxyOf(added, host);
    },
    async remove() {
      const gone = fleet.proxies.at(-1)!;
      await kubeConfig()
        .makeApiClient(DiscoveryV1Api)
        .deleteNamespacedEndpointSlice({ name: `kong-admin-${gone.id}`, namespace });
      await fleet.remove(gone.id);
      return fleetProxyOf(gone, host);
    },
    stop: () => fleet.stop(),
  };
}

/**
 * The controller Deployment of deploy, run as a process: its environment from the pod template
 * (downward API, $(POD_NAMESPACE) expansion), its mTLS files from the Secrets make-certs.ts wrote, and
 * the token of its ServiceAccount. Kong pods are the install's own Kong Deployment, each served by a
 * simulated Kong with the certificates the Deployment mounts (or, without a pod network, static proxies
 * registered by hand in the install's `kong-admin` Service). Only what
 * cannot exist outside a cluster is replaced: the Redis address, the HTTP port, file locations, and
 * KONG_FLEET_WATCH_NAMESPACES (one test namespace, so this controller does not write Events about other
 * test files' objects).
 */
describe('the controller as the ServiceAccount of deploy (token, not admin)', () => {
  let overlay: DeployOverlay;
  let appNamespace: string;
  let prefix: string;
  let fleet: KongFleet;
  let controller: ControllerProcess | undefined;
  let client: KongAdminClient;
  let sa: ServiceAccountCredentials;
  let serverName: string;
  let podName: string;
  const scratch: string[] = [];

  beforeAll(async () => {
    overlay = await deployOverlay('deploy-sa');
    await applyKustomization(overlay.dir);
    appNamespace = await freshNamespace('deploy-sa-app');
    prefix = uniquePrefix('deploy-sa');

    // The operator's step after `kubectl apply -k`: certificates and Secrets from make-certs.ts.
    const certs = await mkdtemp(join(runDir(), 'deploy-certs-'));
    scratch.push(certs);
    await run(process.execPath, [MAKE_CERTS, '--out', join(certs, 'out'), '--namespace', overlay.namespace]);
    await kubectlApply({ file: join(certs, 'out', 'secrets.yaml') });

    // Kong pods: what kong-proxy.yaml mounts for KONG_ADMIN_SSL_CERT(_KEY) and the client CA.
    const kongSpec = podSpec(find(overlay.manifests, 'Deployment', 'kong'));
    const kong = container(kongSpec, 'proxy');
    const kongEnv = containerEnv(kong, {});
    const kongFile = (name: string) => mountedFile(kongSpec, kong, overlay.namespace, kongEnv[name]!);
    const kongTls: ProxyPodTls = {
      cert: (await kongFile('KONG_ADMIN_SSL_CERT')).toString('utf8'),
      key: (await kongFile('KONG_ADMIN_SSL_CERT_KEY')).toString('utf8'),
      clientCa: (await kongFile('KONG_NGINX_ADMIN_SSL_CLIENT_CERTIFICATE')).toString('utf8'),
    };

    // The controller pod: environment, mounted Secret files, ServiceAccount token.
    const spec = podSpec(find(overlay.manifests, 'Deployment', 'kong-fleet'));
    const target = container(spec, 'controller');
    podName = `kong-fleet-${prefix.slice(-8)}`;
    const env = containerEnv(target, { 'metadata.name': podName, 'metadata.namespace': overlay.namespace });
    const mounted = await mkdtemp(join(runDir(), 'deploy-mounted-'));
    scratch.push(mounted);
    const tlsFiles: Record<string, string> = {};
    for (const name of [
      'KONG_FLEET_ADMIN_TLS_CERT',
      'KONG_FLEET_ADMIN_TLS_KEY',
      'KONG_FLEET_ADMIN_TLS_CA',
      'KONG_FLEET_STORAGE_KEY_FILE',
    ]) {
      const file = join(mounted, name.toLowerCase());
      await writeFile(file, await mountedFile(spec, target, overlay.namespace, env[name]!), { mode: 0o400 });
      tlsFiles[name] = file;
    }
    sa = await serviceAccountToken({ namespace: overlay.namespace, name: spec.serviceAccountName! });
    client = await adminClient({
      cert: tlsFiles.KONG_FLEET_ADMIN_TLS_CERT!,
      key: tlsFiles.KONG_FLEET_ADMIN_TLS_KEY!,
      ca: tlsFiles.KONG_FLEET_ADMIN_TLS_CA!,
    });
    serverName = `pod.kong-admin.${overlay.namespace}.svc`;
    const network = podNetwork();
    fleet = network
      ? await kongPods(overlay.namespace, network, kongTls, {
          cert: tlsFiles.KONG_FLEET_ADMIN_TLS_CERT!,
          key: tlsFiles.KONG_FLEET_ADMIN_TLS_KEY!,
          ca: tlsFiles.KONG_FLEET_ADMIN_TLS_CA!,
        })
      : await staticKong(overlay.namespace, kongTls);

    controller = await startController({
      namespace: appNamespace,
      prefix,
      kubeconfig: sa.kubeconfigPath,
      env: {
        ...env,
        ...tlsFiles,
        KONG_FLEET_REDIS_URL: redisUrl(),
        KONG_FLEET_QUEUE_PREFIX: prefix,
        KONG_FLEET_HTTP_HOST: '127.0.0.1',
        KONG_FLEET_HTTP_PORT: '0',
        KONG_FLEET_WATCH_NAMESPACES: appNamespace,
        // Empty is unset: the controller's own namespace (Lease, ProxyInstances, ProxyFleet) comes
        // from POD_NAMESPACE, as in the pod.
        KONG_FLEET_NAMESPACE: '',
      },
    });
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && controller) {
      console.log(`controller log:\n${controller.stdout().slice(-20_000)}\n${controller.stderr()}`);
    }
  });

  afterAll(async () => {
    await controller?.stop();
    await client?.close();
    await fleet?.stop();
    await deleteKeysWithPrefix(prefix);
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('runs with the expanded settings of the Deployment and takes the Lease in its own namespace', async () => {
    const lease = await eventually(
      async () => {
        const found = await kubeConfig()
          .makeApiClient(CoordinationV1Api)
          .readNamespacedLease({ name: 'kong-fleet-leader', namespace: overlay.namespace });
        return found.spec?.holderIdentity?.startsWith(`${podName}-`) ? found : undefined;
      },
      { timeoutMs: 20_000, description: 'the controller to hold the Lease' },
    );
    expect(lease.metadata?.namespace).toBe(overlay.namespace);
    // Every informer, the cluster-scoped kinds included, has listed with the ServiceAccount's rights.
    await eventually(() => controller!.stdout().includes('all informers listed; builds enabled'), {
      timeoutMs: 30_000,
      description: 'every informer to list',
    });
    const ready = await fetch(`${controller!.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('delivers a kubectl-applied Ingress + Service to every discovered proxy over mTLS', async () => {
    await kubectlApply(echoApp({ namespace: appNamespace, host: 'echo.example', endpoints: ['10.30.0.1'] }));
    const paths = async (proxy: FleetProxy) =>
      entities(await servedConfig(client, proxy, serverName), 'routes').flatMap((r) => r.paths as string[]);
    // The first build (before the apply) may already be on every proxy: wait for the route itself.
    await eventually(
      async () => {
        for (const proxy of fleet.proxies())
          if (!(await paths(proxy)).some((p) => p.includes('/echo'))) return false;
        return true;
      },
      { timeoutMs: 45_000, description: 'every proxy to serve the /echo route' },
    );
    const hash = await waitForConvergence(prefix, fleet.proxies());
    for (const proxy of fleet.proxies()) {
      expect((await proxy.state()).configurationHash).toBe(hash);
      const served = await servedConfig(client, proxy, serverName);
      expect(entities(served, 'routes')[0]).toMatchObject({ hosts: ['echo.example'] });
      expect(entities(served, 'targets').map((t) => t.target)).toEqual(['10.30.0.1:8080']);
    }
  });

  it('configures a proxy pod that appears later (discovery through the admin Service)', async () => {
    const before = await waitForConvergence(prefix, fleet.proxies());
    const added = await fleet.add();
    await eventually(async () => (await added.state()).configurationHash === before, {
      timeoutMs: 30_000,
      description: 'the new proxy to get the current config',
    });
    expect(entities(await servedConfig(client, added, serverName), 'routes')).not.toEqual([]);
  });

  it('keeps a ProxyInstance per proxy and the ProxyFleet in its own namespace', async () => {
    const hash = await waitForConvergence(prefix, fleet.proxies());
    const instances = await eventually(
      async () => {
        const items = await proxyInstances(overlay.namespace);
        const synced = items.filter((item) => item.status?.actualHash === hash);
        return synced.length === fleet.proxies().length ? items : undefined;
      },
      { timeoutMs: 30_000, description: 'a synced ProxyInstance for every proxy' },
    );
    expect(instances.map((item) => item.spec.adminURL).sort()).toEqual(
      fleet
        .proxies()
        .map((proxy) => proxy.adminUrl)
        .sort(),
    );
    const proxyFleet = (await kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'kongfleet.io',
      version: 'v1alpha1',
      namespace: overlay.namespace,
      plural: 'proxyfleets',
      name: instances[0]!.spec.fleet,
    })) as { metadata: { namespace: string } };
    expect(proxyFleet.metadata.namespace).toBe(overlay.namespace);
  });

  it("publishes the kong-proxy Service's address in the status of the served Ingress", async () => {
    const proxyService = await kubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedService({ name: 'kong-proxy', namespace: overlay.namespace });
    const clusterIp = proxyService.spec?.clusterIP;
    expect(clusterIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const published = await eventually(
      async () => {
        const ingress = await kubeConfig()
          .makeApiClient(NetworkingV1Api)
          .readNamespacedIngress({ name: 'echo', namespace: appNamespace });
        const addresses = ingress.status?.loadBalancer?.ingress ?? [];
        return addresses.length > 0 ? addresses : undefined;
      },
      { timeoutMs: 30_000, description: "the Ingress status to name the proxies' address" },
    );
    expect(published).toEqual([{ ip: clusterIp }]);
  });

  it('deletes the ProxyInstance of a proxy pod that goes away', async () => {
    const gone = await fleet.remove();
    await eventually(
      async () =>
        !(await proxyInstances(overlay.namespace)).some((item) => item.spec.adminURL === gone.adminUrl),
      { timeoutMs: 30_000, description: `the ProxyInstance of ${gone.id} to be deleted` },
    );
    expect(await proxyInstances(overlay.namespace)).toHaveLength(fleet.proxies().length);
  });

  it('puts an Event on a broken object in the watched namespace, and keeps serving the rest', async () => {
    const before = await waitForConvergence(prefix, fleet.proxies());
    await kubectlApply(`
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: broken, namespace: ${appNamespace} }
plugin: rate-limiting
config: { minute: 5, policy: local, no_such_option: true }
---
apiVersion: v1
kind: Service
metadata:
  name: victim
  namespace: ${appNamespace}
  annotations: { konghq.com/plugins: broken }
spec:
  ports: [{ name: http, port: 80, protocol: TCP }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: victim, namespace: ${appNamespace} }
spec:
  ingressClassName: kong
  rules:
    - host: victim.example
      http:
        paths: [{ path: /victim, pathType: Prefix, backend: { service: { name: victim, port: { number: 80 } } } }]
`);
    const events = await eventually(
      async () => {
        const out = await kubectl([
          'get',
          'events',
          '--namespace',
          appNamespace,
          '--field-selector',
          'involvedObject.kind=KongPlugin,involvedObject.name=broken',
          '-o',
          'json',
        ]);
        const items = (
          JSON.parse(out) as { items: { type: string; message: string; source?: { component?: string } }[] }
        ).items;
        return items.length > 0 ? items : undefined;
      },
      { timeoutMs: 20_000, description: 'an Event on the broken KongPlugin' },
    );
    expect(events[0]!.type).toBe('Warning');
    expect(events[0]!.source?.component).toBe('kong-fleet');
    expect(events.map((e) => e.message).join('\n')).toMatch(/no_such_option/);
    // The broken route is held back with its plugin; the config the proxies run is unchanged.
    for (const proxy of fleet.proxies()) {
      expect((await proxy.state()).configurationHash).toBe(before);
      const paths = entities(await servedConfig(client, proxy, serverName), 'routes').flatMap(
        (r) => r.paths as string[],
      );
      expect(paths.some((path) => path.includes('/echo'))).toBe(true);
      expect(paths.some((path) => path.includes('/victim'))).toBe(false);
    }
  });

  it('was never refused by the API server (no 403 / forbidden in its log)', () => {
    const log = `${controller!.stdout()}\n${controller!.stderr()}`;
    const refused = log.split('\n').filter((line) => /forbidden|\b403\b/i.test(line));
    expect(refused).toEqual([]);
    expect(log).toContain('became leader');
    expect(log).toContain('all informers listed');
    expect(log).not.toContain('could not record a Kubernetes event');
    expect(log).not.toContain('could not acquire or renew the leader lease');
  });
});
