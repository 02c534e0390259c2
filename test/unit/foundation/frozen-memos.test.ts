import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../kong/canonical.ts';
import { buildObjectsOf } from '../../../kong/propagation.ts';
import { deepFreeze, isDeepFrozen } from '../../../lib/deep-freeze.ts';
import { prng } from '../translate/helpers.ts';

describe('deepFreeze', () => {
  it('freezes and records every value inside, cycles included', () => {
    const inner = { list: [{ a: 1 }] };
    const outer: Record<string, unknown> = { inner, n: 1 };
    outer.self = outer;
    expect(deepFreeze(outer)).toBe(outer);
    for (const value of [outer, inner, inner.list, inner.list[0]]) {
      expect(Object.isFrozen(value)).toBe(true);
      expect(isDeepFrozen(value)).toBe(true);
    }
  });

  it('does not vouch for a value frozen only on its surface', () => {
    const shallow = Object.freeze({ inner: { a: 1 } });
    expect(isDeepFrozen(shallow)).toBe(false);
    expect(isDeepFrozen(1)).toBe(false);
    expect(isDeepFrozen(null)).toBe(false);
  });
});

/** The text canonicalJson promises, written the plain way: keys sorted at every level, then JSON.stringify. */
function referenceText(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(v).sort()) {
      const member = (v as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sorted(member);
    }
    return out;
  };
  return JSON.stringify(sorted(value));
}

/** Random JSON-ish values with the awkward members JSON treats specially. */
function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return Math.floor(random() * 1000) / 8;
    case 1:
      return ['a', 'é', '"q"', '\u2028', '__proto__', ''][Math.floor(random() * 6)];
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return -0;
    case 6:
    case 7: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(random() * 5);
      for (let i = 0; i < n; i++) {
        const key = ['b', 'a', 'tags', '__proto__', 'z', '10', '2'][Math.floor(random() * 7)]!;
        Object.defineProperty(out, key, {
          value: randomValue(random, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return random() < 0.4 ? deepFreeze(out) : out;
    }
    default: {
      const list = Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
      if (random() < 0.2) list.length += 1; // a hole
      return random() < 0.4 ? deepFreeze(list) : list;
    }
  }
}

describe('canonicalJson', () => {
  it('writes the same text as the plain definition, whatever is deeply frozen', () => {
    const random = prng(19);
    for (let i = 0; i < 3000; i++) {
      const value = { services: [randomValue(random, 1), randomValue(random, 1)], x: randomValue(random, 0) };
      expect(canonicalJson(value)).toBe(referenceText(value));
      // Asked again, frozen parts come from the memo: still the same text.
      expect(canonicalJson(value)).toBe(referenceText(value));
    }
  });
});

describe('buildObjectsOf over deeply frozen entities', () => {
  const tags = (name: string) => [
    `k8s-name:${name}`,
    'k8s-namespace:default',
    'k8s-kind:Ingress',
    'k8s-group:networking.k8s.io',
  ];
  const ingress = (name: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
  });

  it('finds the objects tagged inside frozen entities, on every call', () => {
    const shared = deepFreeze({ name: 's', tags: tags('a'), routes: [{ name: 'r', tags: tags('b') }] });
    const config = { _format_version: '3.0', services: [shared, { name: 't', tags: tags('c') }] };
    const objects = ['a', 'b', 'c', 'd'].map(ingress);
    for (let i = 0; i < 2; i++) {
      const { served } = buildObjectsOf(config, objects, []);
      expect(Object.keys(served).sort()).toEqual([
        'Ingress.networking.k8s.io/default/a',
        'Ingress.networking.k8s.io/default/b',
        'Ingress.networking.k8s.io/default/c',
      ]);
    }
  });
});
