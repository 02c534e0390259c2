import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEndpoint } from '../../../domain/proxy.ts';
import { ProxyDiscovery } from '../../../k8s/proxy-discovery.ts';
import { eventually } from '../../helpers/eventually.ts';
import { createEndpointSlice, freshNamespace, kubeConfig } from '../../helpers/kube.ts';

describe('proxy discovery tells which known proxies changed readiness (issue 20)', () => {
  let namespace: string;
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const applied: (readonly ProxyEndpoint[])[] = [];
  const flips: string[][] = [];

  beforeAll(async () => {
    namespace = await freshNamespace('discovery');
    const service = { metadata: { name: 'kong-admin', namespace } };
    await kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedService({
        namespace,
        body: { ...service, spec: { ports: [{ name: 'admin-tls', port: 8444 }] } },
      });
    await createEndpointSlice({
      service,
      name: 'kong-admin-a',
      addresses: ['10.9.0.1', '10.9.0.2'],
      podNames: ['kong-1', 'kong-2'],
      ports: [{ name: 'admin-tls', port: 8444 }],
    });
    const discovery = new ProxyDiscovery({
      kubeConfig: kubeConfig(),
      service: { namespace, name: 'kong-admin' },
      apply: async (endpoints) => {
        applied.push(endpoints);
        return { added: [], removed: [], updated: [] };
      },
      onReadinessChanged: (ids) => flips.push([...ids]),
      logger: pino({ level: 'silent' }),
    });
    running = discovery.run(stop.signal);
    await eventually(() => applied.some((list) => list.length === 2), { description: 'both proxies found' });
  });
  afterAll(async () => {
    stop.abort();
    await running;
  });

  /** Sets the ready condition of one endpoint of the slice, as the endpointslice controller would. */
  async function setReady(index: number, ready: boolean) {
    const api = kubeConfig().makeApiClient(DiscoveryV1Api);
    const slice = await api.readNamespacedEndpointSlice({ name: 'kong-admin-a', namespace });
    const endpoint = slice.endpoints![index]!;
    endpoint.conditions = { ...endpoint.conditions, ready, serving: ready };
    await api.replaceNamespacedEndpointSlice({ name: 'kong-admin-a', namespace, body: slice });
  }

  it('names a pod that went not ready and the same pod once ready again, and nobody else', async () => {
    expect(flips).toEqual([]);
    await setReady(1, false);
    await eventually(() => flips.length === 1, { timeoutMs: 20_000, description: 'a not-ready flip' });
    expect(flips[0]).toEqual(['kong-2']);
    await setReady(1, true);
    await eventually(() => flips.length === 2, { timeoutMs: 20_000, description: 'a ready flip' });
    expect(flips[1]).toEqual(['kong-2']);
    // Readiness is not part of the registered endpoint: the proxy list did not change with it.
    expect(applied.at(-1)?.map((proxy) => proxy.id)).toEqual(['kong-1', 'kong-2']);
  });
});
