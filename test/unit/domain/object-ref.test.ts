import { describe, expect, it } from 'vitest';
import { kindKeyPrefix, objectKey, parseObjectKey, shortObjectName } from '../../../domain/object-ref.ts';

describe('object identity (one ref, one key)', () => {
  it.each([
    [{ kind: 'Service', group: '', namespace: 'default', name: 'echo' }, 'Service/default/echo'],
    [
      { kind: 'Ingress', group: 'networking.k8s.io', namespace: 'default', name: 'echo' },
      'Ingress.networking.k8s.io/default/echo',
    ],
    [
      { kind: 'KongClusterPlugin', group: 'configuration.konghq.com', namespace: '', name: 'x' },
      'KongClusterPlugin.configuration.konghq.com//x',
    ],
  ])('%o has the key %s, which parses back to it', (ref, key) => {
    expect(objectKey(ref)).toBe(key);
    expect(parseObjectKey(key)).toEqual(ref);
    expect(key.startsWith(kindKeyPrefix(ref.kind, ref.group))).toBe(true);
  });

  it('version and uid are not part of the identity', () => {
    const ref = { kind: 'Ingress', group: 'networking.k8s.io', namespace: 'ns', name: 'i' };
    expect(objectKey({ ...ref, version: 'v1', uid: 'u' })).toBe(objectKey(ref));
  });

  it('keeps objects of the same kind and name in different groups apart', () => {
    const a = { kind: 'Gateway', group: 'gateway.networking.k8s.io', namespace: 'ns', name: 'g' };
    const b = { ...a, group: 'example.com' };
    expect(objectKey(a)).not.toBe(objectKey(b));
  });

  it('rejects text that is no key', () => {
    expect(parseObjectKey('Service/echo')).toBeUndefined();
    expect(parseObjectKey('nonsense')).toBeUndefined();
  });

  it('names objects the short way people read in reasons', () => {
    expect(
      shortObjectName({ kind: 'KongPlugin', group: 'configuration.konghq.com', namespace: 'd', name: 'p' }),
    ).toBe('KongPlugin/d/p');
    expect(
      shortObjectName({
        kind: 'KongClusterPlugin',
        group: 'configuration.konghq.com',
        namespace: '',
        name: 'x',
      }),
    ).toBe('KongClusterPlugin/x');
  });
});
