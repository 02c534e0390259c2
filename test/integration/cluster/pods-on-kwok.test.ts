import { describe, expect, it } from 'vitest';
import { KONG_POD_SELECTOR } from '../../../testing/pods/proxy-pods.ts';
import { applyKongDeployment, endpointSliceAddresses, livePods, podNetwork } from '../../helpers/cluster.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace } from '../../helpers/kube.ts';

const inCidr = (address: string, cidr: string) => {
  const [base, bits] = cidr.split('/') as [string, string];
  const number = (a: string) => a.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(number(address) / size) === Math.floor(number(base) / size);
};

describe('a cluster without kubelets', () => {
  it("turns a Deployment into Ready pods on KWOK nodes, with IPs and EndpointSlices from Kubernetes' controller", async () => {
    const namespace = await freshNamespace('kwok-pods');
    await applyKongDeployment(namespace, 3);
    const pods = await eventually(
      async () => {
        const live = await livePods(namespace, KONG_POD_SELECTOR);
        return live.length === 3 && live.every((pod) => pod.ready && pod.ip) ? live : undefined;
      },
      { timeoutMs: 30_000, description: '3 Ready kong pods with IPs' },
    );
    for (const pod of pods) expect(pod.node).toMatch(/^kwok-node-\d+$/);
    // The scheduler spreads them (default topology spreading over kubernetes.io/hostname).
    expect(new Set(pods.map((pod) => pod.node)).size).toBeGreaterThan(1);
    const network = podNetwork();
    if (network) for (const pod of pods) expect(inCidr(pod.ip!, network.podCidr)).toBe(true);

    const slices = await eventually(
      async () => {
        const found = await endpointSliceAddresses(namespace, 'kong-admin');
        return found.addresses.length === 3 ? found : undefined;
      },
      { timeoutMs: 30_000, description: "the kong-admin EndpointSlice with the 3 pods' IPs" },
    );
    expect(slices.managedBy).toEqual(['endpointslice-controller.k8s.io']);
    expect([...slices.addresses].sort()).toEqual(pods.map((pod) => pod.ip).sort());
  });
});
