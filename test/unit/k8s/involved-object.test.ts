import { describe, expect, it } from 'vitest';
import { involvedObjectOf } from '../../../k8s/involved-object.ts';
import { refFromTags } from '../../../kong/translate/index.ts';

describe('involvedObjectOf (Event targets from the one ObjectRef)', () => {
  it('names a core object from its tags with apiVersion v1', () => {
    const ref = refFromTags(['k8s-name:s', 'k8s-namespace:ns', 'k8s-kind:Service', 'k8s-uid:u'])!;
    expect(involvedObjectOf(ref)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      name: 's',
      namespace: 'ns',
      uid: 'u',
    });
  });

  it('takes the version from the watch table when the ref has none, and leaves out an empty namespace', () => {
    expect(
      involvedObjectOf({
        kind: 'KongConsumerGroup',
        group: 'configuration.konghq.com',
        namespace: 'ns',
        name: 'g',
      }),
    ).toEqual({
      apiVersion: 'configuration.konghq.com/v1beta1',
      kind: 'KongConsumerGroup',
      name: 'g',
      namespace: 'ns',
    });
    expect(
      involvedObjectOf({
        kind: 'KongClusterPlugin',
        group: 'configuration.konghq.com',
        namespace: '',
        name: 'c',
      }),
    ).toEqual({ apiVersion: 'configuration.konghq.com/v1', kind: 'KongClusterPlugin', name: 'c' });
  });

  it("keeps the ref's own version", () => {
    expect(
      involvedObjectOf({
        kind: 'HTTPRoute',
        group: 'gateway.networking.k8s.io',
        namespace: 'ns',
        name: 'r',
        version: 'v1beta1',
      }).apiVersion,
    ).toBe('gateway.networking.k8s.io/v1beta1');
  });
});
