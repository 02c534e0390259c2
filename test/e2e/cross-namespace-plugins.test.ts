import { beforeAll, describe, expect, it } from 'vitest';
import { eventsOn } from '../helpers/events.ts';
import { freshNamespace, kubectl, kubectlApply } from '../helpers/kube.ts';
import { entities, servedConfig, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';

const manifests = (namespace: string, shared: string) => `
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
spec:
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
  namespace: ${namespace}
  annotations:
    konghq.com/plugins: ${shared}:shared-correlation-id
spec:
  ingressClassName: kong
  rules:
    - host: echo.example
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: shared-correlation-id, namespace: ${shared} }
plugin: correlation-id
config: { header_name: x-shared-id }
`;

const grant = (namespace: string, shared: string) => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: ingresses-may-use-plugins, namespace: ${shared} }
spec:
  from: [{ group: networking.k8s.io, kind: Ingress, namespace: ${namespace} }]
  to: [{ group: configuration.konghq.com, kind: KongPlugin }]
`;

// The controller watches ReferenceGrants: granting, then revoking, a cross-namespace plugin reference changes
// what every proxy serves without touching the Ingress or the plugin.
describe('cross-namespace plugin references follow their ReferenceGrant', () => {
  const h = pipelineHarness('xns-plugins', 2);
  let shared: string;
  beforeAll(async () => {
    shared = await freshNamespace('xns-shared');
  });

  it('refuses without a grant, binds once one is applied, and unbinds when it is deleted', async () => {
    const { namespace, prefix, client, serverName } = h;
    await h.startController({ KONG_FLEET_WATCH_NAMESPACES: `${namespace},${shared}` });
    const proxies = h.proxies();
    const plugins = async () =>
      Promise.all(
        proxies.map(async (proxy) =>
          entities(await servedConfig(client, proxy, serverName), 'plugins').map((p) => p.name),
        ),
      );

    await kubectlApply(manifests(namespace, shared));
    const refused = await waitForConvergence(prefix, proxies);
    expect(await plugins()).toEqual(proxies.map(() => []));
    const events = await eventsOn(namespace, 'echo');
    expect(events.map((e) => e.message).join('\n')).toContain(
      `no grant found to referenced "${shared}:shared-correlation-id" plugin in the requested remote KongPlugin bind`,
    );

    await kubectlApply(grant(namespace, shared));
    const granted = await waitForConvergence(prefix, proxies, { notHash: refused });
    expect(await plugins()).toEqual(proxies.map(() => ['correlation-id']));
    const served = entities(await servedConfig(client, proxies[0]!, serverName), 'plugins')[0];
    expect(served?.config).toMatchObject({ header_name: 'x-shared-id' });

    await kubectl(['delete', 'referencegrant', 'ingresses-may-use-plugins', '-n', shared]);
    await waitForConvergence(prefix, proxies, { notHash: granted });
    expect(await plugins()).toEqual(proxies.map(() => []));
  });
});
