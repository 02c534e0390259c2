import { DiscoveryV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  createEndpointSlice,
  freshNamespace,
  kubeConfig,
  kubectl,
  kubectlApply,
} from '../../helpers/kube.ts';

// Stays static on purpose: it tests the hand-written EndpointSlices of the static proxy list (the fallback
// fleet of testing/tls-fleet.ts), which Kubernetes' own controller writes when proxies are pods.
describe('test/helpers/kube.ts on the real apiserver', () => {
  it('createEndpointSlice makes the slice a Service would get from the endpointslice controller', async () => {
    const namespace = await freshNamespace('endpointslice');
    await kubectlApply(
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: kong-admin\nspec:\n  clusterIP: None\n  ports:\n    - name: admin\n      port: 8444\n',
      { namespace },
    );
    await createEndpointSlice({
      service: { metadata: { name: 'kong-admin', namespace } },
      addresses: ['10.1.2.3', '10.1.2.4'],
      podNames: ['kong-0', 'kong-1'],
      ports: [{ name: 'admin', port: 8444 }],
    });
    const { items } = await kubeConfig()
      .makeApiClient(DiscoveryV1Api)
      .listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=kong-admin' });
    expect(items).toHaveLength(1);
    expect(
      (items[0]?.endpoints ?? []).map((e) => [e.addresses[0], e.targetRef?.name, e.conditions?.ready]),
    ).toEqual([
      ['10.1.2.3', 'kong-0', true],
      ['10.1.2.4', 'kong-1', true],
    ]);
    expect(items[0]!.ports).toEqual([{ name: 'admin', port: 8444, protocol: 'TCP' }]);
    // The same slice through kubectl, as a user would look at it.
    expect(
      await kubectl([
        'get',
        'endpointslices',
        `--namespace=${namespace}`,
        '-o=jsonpath={.items[0].metadata.labels.endpointslice\\.kubernetes\\.io/managed-by}',
      ]),
    ).toBe('test-harness.kong-fleet.io');
  });

  it('createEndpointSlice refuses a Service without a namespace', async () => {
    await expect(
      createEndpointSlice({ service: { metadata: { name: 'x' } }, addresses: [], ports: [] }),
    ).rejects.toThrow(/needs name and namespace/);
  });

  it('loopback endpoint addresses are refused by the apiserver (proxies on 127.0.0.1 cannot be discovered as such)', async () => {
    const namespace = await freshNamespace('loopback');
    const slice = createEndpointSlice({
      service: { metadata: { name: 'svc', namespace } },
      addresses: ['127.0.0.1'],
      ports: [{ port: 80 }],
    });
    await expect(slice).rejects.toMatchObject({
      code: 422,
      body: expect.stringMatching(/may not be in the loopback range/),
    });
  });
});
