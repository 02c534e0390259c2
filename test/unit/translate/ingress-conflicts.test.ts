import { describe, expect, it } from 'vitest';
import { ingress, run, service } from './helpers.ts';

function aged(obj: Record<string, unknown>, creationTimestamp: string) {
  const metadata = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata: { ...metadata, creationTimestamp } };
}

const routesOf = (config: ReturnType<typeof run>['config']) =>
  (config.services ?? []).flatMap((s) => (s.routes ?? []).map((r) => r.name)).sort();

describe('cross-namespace Ingress conflicts (same host+path)', () => {
  const objects = [
    aged(ingress('shop', { ns: 'team-a', host: 'shop.example.com', path: '/cart' }), '2026-01-01T00:00:00Z'),
    aged(
      ingress('hijack', { ns: 'team-b', host: 'shop.example.com', path: '/cart' }),
      '2026-02-01T00:00:00Z',
    ),
    aged(
      ingress('other', { ns: 'team-b', host: 'shop.example.com', path: '/other' }),
      '2026-02-01T00:00:00Z',
    ),
    service('svc', { ns: 'team-a' }),
    service('svc', { ns: 'team-b' }),
  ];

  it('oldest-wins (default): the older Ingress keeps the path, the later one of another namespace is left out', () => {
    const { config, errors } = run(objects);
    expect(routesOf(config)).toEqual([
      'team-a.shop.svc.shop.example.com.80',
      'team-b.other.svc.shop.example.com.80',
    ]);
    expect(errors).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'Ingress', namespace: 'team-b', name: 'hijack' }),
        reason: expect.stringContaining('already served by Ingress team-a/shop'),
        dropped: true,
      }),
    ]);
  });

  it('equal age: namespace then name decides, whatever the input order', () => {
    const same = '2026-01-01T00:00:00Z';
    const a = aged(ingress('z', { ns: 'alpha', host: 'h.example.com' }), same);
    const b = aged(ingress('a', { ns: 'beta', host: 'h.example.com' }), same);
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const { config } = run([...order, service('svc', { ns: 'alpha' }), service('svc', { ns: 'beta' })]);
      expect(routesOf(config)).toEqual(['alpha.z.svc.h.example.com.80']);
    }
  });

  it('one namespace may claim the same host+path twice (KIC behaviour, one owner)', () => {
    const { config, errors } = run([
      ingress('one', { ns: 'team-a', host: 'h.example.com' }),
      ingress('two', { ns: 'team-a', host: 'h.example.com' }),
      service('svc', { ns: 'team-a' }),
    ]);
    expect(routesOf(config)).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('allow: both are translated, as KIC does', () => {
    const { config, errors } = run(objects, { ingressNamespaceConflicts: 'allow' });
    expect(routesOf(config)).toHaveLength(3);
    expect(errors).toEqual([]);
  });
});
