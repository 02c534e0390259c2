import { networkInterfaces } from 'node:os';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { KONG_POD_SELECTOR, type ProxyPods } from '../../../testing/pods/proxy-pods.ts';
import { endpointSliceAddresses, livePods, podNetwork } from '../../helpers/cluster.ts';
import { echoApp } from '../../helpers/echo-app.ts';
import { eventually } from '../../helpers/eventually.ts';
import { kubeConfig, kubectl, kubectlApply } from '../../helpers/kube.ts';
import { desiredHash } from '../../helpers/pipeline.ts';
import { pipelineHarness } from '../../helpers/pipeline-harness.ts';

/** Every address this machine's own interfaces have: none may ever show up as a proxy. */
const machineAddresses = Object.values(networkInterfaces())
  .flat()
  .map((address) => address?.address)
  .filter((address): address is string => address !== undefined);

describe.skipIf(!podNetwork())('proxies are pods: kubectl scale of the Kong Deployment', () => {
  const h = pipelineHarness('scale', 3);
  let namespace: string;
  let prefix: string;
  let pods: ProxyPods;

  beforeAll(async () => {
    ({ namespace, prefix, pods } = h);
    await kubectlApply(echoApp({ namespace, host: 'echo.example' }));
    await h.startController();
  });

  /** Pods, proxies, EndpointSlices, the controller's view and ProxyInstances all agree on `replicas`. */
  async function fleetOf(replicas: number) {
    const instances = kubeConfig().makeApiClient(CustomObjectsApi);
    return eventually(
      async () => {
        const live = (await livePods(namespace, KONG_POD_SELECTOR)).filter((pod) => pod.ready && pod.ip);
        if (live.length !== replicas) return undefined;
        await pods.settled();
        const running = pods.running();
        if (running.length !== replicas) return undefined;
        const hash = await desiredHash(prefix);
        if (!hash) return undefined;
        for (const proxy of running) if ((await proxy.state()).configurationHash !== hash) return undefined;
        const list = (await instances.listNamespacedCustomObject({
          group: 'kongfleet.io',
          version: 'v1alpha1',
          namespace,
          plural: 'proxyinstances',
        })) as {
          items: { metadata: { name: string }; status?: { address?: string; actualHash?: string } }[];
        };
        if (list.items.length !== replicas) return undefined;
        if (!list.items.every((item) => item.status?.actualHash === hash)) return undefined;
        // Kubernetes' EndpointSlice controller catches up on its own schedule, under load seconds later.
        const slices = await endpointSliceAddresses(namespace, 'kong-admin');
        if (new Set(slices.readyAddresses).size !== replicas) return undefined;
        return { live, running, hash, instances: list.items, slices };
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        description: `${replicas} proxies discovered, configured and recorded`,
      },
    );
  }

  async function expectFleetMatchesPods(replicas: number) {
    const { live, running, instances, slices } = await fleetOf(replicas);
    const podNames = live.map((pod) => pod.name).sort();
    expect(running.map((proxy) => proxy.name).sort()).toEqual(podNames);
    expect(instances.map((item) => item.metadata.name).sort()).toEqual(podNames);
    for (const proxy of running) expect(proxy.address).toBe(live.find((pod) => pod.name === proxy.name)?.ip);
    expect(slices.managedBy.every((by) => by === 'endpointslice-controller.k8s.io')).toBe(true);
    expect([...new Set(slices.readyAddresses)].sort()).toEqual(live.map((pod) => pod.ip).sort());
    for (const address of slices.addresses) expect(machineAddresses).not.toContain(address);
  }

  it('discovers, configures and forgets the right proxies at 3 → 10 → 2', async () => {
    await expectFleetMatchesPods(3);
    await kubectl(['scale', 'deploy/kong', '-n', namespace, '--replicas', '10']);
    await expectFleetMatchesPods(10);
    await kubectl(['scale', 'deploy/kong', '-n', namespace, '--replicas', '2']);
    await expectFleetMatchesPods(2);
  });
});
