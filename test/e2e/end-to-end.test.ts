import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubeConfig, kubectl, kubectlApply } from '../helpers/kube.ts';
import {
  desiredHash,
  entities,
  proxyStatus,
  type ServedConfig,
  servedConfig,
  waitForConvergence,
} from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';

const manifests = (namespace: string, path: string) => `
apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: ${namespace}
spec:
  selector: { app: echo }
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-abcde
  namespace: ${namespace}
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
  - addresses: [10.20.0.1]
    conditions: { ready: true }
  - addresses: [10.20.0.2]
    conditions: { ready: false }
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: echo-rate-limit
  namespace: ${namespace}
plugin: rate-limiting
config: { minute: 60, policy: local }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
  namespace: ${namespace}
  annotations:
    konghq.com/plugins: echo-rate-limit
    konghq.com/strip-path: "true"
spec:
  ingressClassName: kong
  rules:
    - host: echo.example
      http:
        paths:
          - path: ${path}
            pathType: Prefix
            backend: { service: { name: echo, port: { number: 80 } } }
`;

const routePaths = (config: ServedConfig) =>
  entities(config, 'routes').flatMap((route) => (route.paths as string[]) ?? []);

// The proxies are the pods of deploy/kong-proxy.yaml's Deployment, each a simulated Kong at its pod IP
// (the static fallback's proxies without a pod network: nothing here depends on which).
describe('the pipeline end to end: kubectl apply → every proxy pod (mTLS)', () => {
  const h = pipelineHarness('e2e', 3);
  let namespace: string;
  let prefix: string;
  let client: KongAdminClient;
  let serverName: string;
  beforeAll(() => {
    ({ namespace, prefix, client, serverName } = h);
  });

  it('delivers an Ingress + Service + EndpointSlice + KongPlugin to every proxy, then an update and a delete', async () => {
    // The proxies' Service (deploy/kong-proxy.yaml's), with the address a cloud load balancer would give it.
    const core = kubeConfig().makeApiClient(CoreV1Api);
    // The static fallback applies no Kong manifests: the Service is made here, as deploy/ would make it.
    if (h.fleet.mode === 'static')
      await core.createNamespacedService({
        namespace,
        body: {
          metadata: { name: 'kong-proxy' },
          spec: { type: 'LoadBalancer', ports: [{ name: 'proxy', port: 80, targetPort: 8000 }] },
        },
      });
    await core.patchNamespacedServiceStatus(
      {
        name: 'kong-proxy',
        namespace,
        body: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await h.startController({ KONG_FLEET_PUBLISH_SERVICE: `${namespace}/kong-proxy` });
    const proxies = h.proxies();

    await kubectlApply(manifests(namespace, '/echo'));
    const first = await waitForConvergence(prefix, proxies);
    for (const proxy of proxies) {
      expect((await proxy.state()).configurationHash).toBe(first);
      const served = await servedConfig(client, proxy, serverName);
      expect(routePaths(served).some((path) => path.includes('/echo'))).toBe(true);
      expect(entities(served, 'routes')[0]).toMatchObject({ hosts: ['echo.example'], strip_path: true });
      expect(entities(served, 'plugins').map((plugin) => plugin.name)).toContain('rate-limiting');
      // Only the ready endpoint becomes a target.
      expect(entities(served, 'targets').map((target) => target.target)).toEqual(['10.20.0.1:8080']);
    }

    // The served Ingress publishes the proxies' load-balancer address, as ingress controllers do.
    await eventually(async () => {
      const ingress = JSON.parse(await kubectl(['get', 'ingress', 'echo', '-n', namespace, '-o', 'json']));
      return ingress.status?.loadBalancer?.ingress?.[0]?.ip === '203.0.113.10';
    });

    await kubectlApply(manifests(namespace, '/echo-v2'));
    const second = await waitForConvergence(prefix, proxies, { notHash: first });
    for (const proxy of proxies) {
      const paths = routePaths(await servedConfig(client, proxy, serverName));
      expect(paths.some((path) => path.includes('/echo-v2'))).toBe(true);
      expect(paths.some((path) => /\/echo(\/|\$|$)/.test(path))).toBe(false);
    }

    await kubectl(['delete', 'ingress', 'echo', '--namespace', namespace]);
    await waitForConvergence(prefix, proxies, { notHash: second });
    for (const proxy of proxies) {
      expect(entities(await servedConfig(client, proxy, serverName), 'routes')).toEqual([]);
    }
  });

  it('converges the other proxies at once while one is down, and the lost one without any new event', async () => {
    const proxies = h.proxies();
    const [down, ...up] = proxies as [(typeof proxies)[0], ...typeof proxies];
    const before = await waitForConvergence(prefix, proxies);
    await down.faults.down();
    await kubectlApply(manifests(namespace, '/while-down'));
    const started = Date.now();
    const next = await waitForConvergence(prefix, up, { notHash: before });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await down.state()).configurationHash).toBe(before);
    // The push to the dead proxy fails and is retried with backoff; then it comes back, and no
    // Kubernetes change follows.
    const status = await eventually(async () => {
      const current = await proxyStatus(prefix, down.id);
      return current.state === 'Unreachable' ? current : undefined;
    });
    expect(status.lastError).toMatch(/ECONNREFUSED/);
    await down.faults.up();
    expect(await waitForConvergence(prefix, proxies, { timeoutMs: 20_000 })).toBe(next);
    expect(await desiredHash(prefix)).toBe(next);
  });
});
