import { beforeAll, describe, expect, it } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl, kubectlApply } from '../helpers/kube.ts';
import { entities, servedConfig, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';

// A cluster migrated from KIC still carries TCPIngress, UDPIngress and KongIngress objects: the controller
// watches them (the CRDs are Kong's own, installed by the control plane), every proxy gets what KIC would
// have given it, and each object gets a deprecation Warning so its owner knows to move on.

describe('KIC 3.x deprecated kinds on the real cluster', () => {
  const h = pipelineHarness('kic-kinds');
  let namespace: string;
  let prefix: string;
  let client: KongAdminClient;
  let serverName: string;
  beforeAll(async () => {
    ({ namespace, prefix, client, serverName } = h);
    await h.startController({ KONG_FLEET_PUBLISH_ADDRESSES: '203.0.113.20' });
  });

  it('TCPIngress, UDPIngress and KongIngress are translated, warned about, and get the address', async () => {
    const proxies = h.proxies();
    const before = await waitForConvergence(prefix, proxies);
    await kubectlApply(`
apiVersion: v1
kind: Service
metadata:
  name: legacy
  namespace: ${namespace}
  annotations: { konghq.com/override: legacy-upstream }
spec: { ports: [{ name: tcp, port: 80, protocol: TCP }] }
---
apiVersion: configuration.konghq.com/v1
kind: KongIngress
metadata: { name: legacy-upstream, namespace: ${namespace} }
upstream: { algorithm: least-connections, slots: 100 }
---
apiVersion: configuration.konghq.com/v1beta1
kind: TCPIngress
metadata:
  name: legacy-tcp
  namespace: ${namespace}
  annotations: { kubernetes.io/ingress.class: kong }
spec:
  rules: [{ host: db.example, port: 9000, backend: { serviceName: legacy, servicePort: 80 } }]
---
apiVersion: configuration.konghq.com/v1beta1
kind: UDPIngress
metadata:
  name: legacy-udp
  namespace: ${namespace}
  annotations: { kubernetes.io/ingress.class: kong }
spec:
  rules: [{ port: 9999, backend: { serviceName: legacy, servicePort: 80 } }]
`);
    await waitForConvergence(prefix, proxies, { notHash: before });
    for (const proxy of proxies) {
      await eventually(
        async () => {
          const served = await servedConfig(client, proxy, serverName);
          const routes = new Map(entities(served, 'routes').map((r) => [r.name, r]));
          const tcp = routes.get(`${namespace}.legacy-tcp.0`);
          const udp = routes.get(`${namespace}.legacy-udp.0.udp`);
          const upstream = entities(served, 'upstreams').find((u) => u.name === `legacy.${namespace}.80.svc`);
          if (!tcp || !udp || !upstream) return undefined;
          expect(tcp.protocols).toEqual(['tcp', 'tls']);
          expect(tcp.snis).toEqual(['db.example']);
          expect(udp.protocols).toEqual(['udp']);
          expect(upstream).toMatchObject({ algorithm: 'least-connections', slots: 100 });
          return true;
        },
        {
          timeoutMs: 30_000,
          description: `proxy ${proxy.id} to serve the TCP/UDP routes and the KongIngress upstream`,
        },
      );
    }
    // As KIC does, the stream Ingresses publish the fleet's address in status.loadBalancer.
    for (const [resource, name] of [
      ['tcpingress', 'legacy-tcp'],
      ['udpingress', 'legacy-udp'],
    ] as const) {
      await eventually(
        async () => {
          const obj = JSON.parse(await kubectl(['get', resource, name, '-n', namespace, '-o', 'json']));
          return obj.status?.loadBalancer?.ingress?.[0]?.ip === '203.0.113.20';
        },
        { timeoutMs: 30_000, description: `${resource} ${name} to publish the fleet's address` },
      );
    }
    for (const [kind, name] of [
      ['TCPIngress', 'legacy-tcp'],
      ['UDPIngress', 'legacy-udp'],
      ['KongIngress', 'legacy-upstream'],
    ] as const) {
      const events = await eventually(
        async () => {
          const out = await kubectl([
            'get',
            'events',
            '--namespace',
            namespace,
            '--field-selector',
            `involvedObject.kind=${kind},involvedObject.name=${name}`,
            '-o',
            'json',
          ]);
          const items = (JSON.parse(out) as { items: { reason: string; message: string; type: string }[] })
            .items;
          return items.some((e) => e.message.includes('deprecated')) ? items : undefined;
        },
        { timeoutMs: 30_000, description: `a deprecation Event on ${kind} ${name}` },
      );
      expect(events.find((e) => e.message.includes('deprecated'))).toMatchObject({
        type: 'Warning',
        reason: 'KongConfigurationWarning',
      });
    }
  });
});
