import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ValidationMemo,
  validateDeclarativeConfig,
  validateDeclarativeParts,
} from '../../src/validate/index.ts';
import { KIC_GOLDENS_PRESENT, readKicGoldens } from '../kic-goldens.ts';

type Rec = Record<string, unknown>;

/** The whole config the parts make: their collections concatenated, in part order. */
function merged(parts: readonly Rec[]): Rec {
  const config: Rec = { _format_version: '3.0' };
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (!Array.isArray(value)) continue;
      config[key] = [...((config[key] as unknown[] | undefined) ?? []), ...value];
    }
  }
  return config;
}

/** Splits a config's top-level entities over `n` parts, the i-th entity of every collection into part i mod n. */
function split(config: Rec, n: number, offset = 0): Rec[] {
  const parts: Rec[] = Array.from({ length: n }, () => ({ _format_version: config._format_version }));
  for (const [key, value] of Object.entries(config)) {
    if (!Array.isArray(value)) continue;
    value.forEach((entity, i) => {
      const part = parts[(i + offset) % n]!;
      part[key] = [...((part[key] as unknown[] | undefined) ?? []), entity];
    });
  }
  return parts;
}

const errorsOnly = { output: 'errors-only' as const, now: () => 0 };

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IDS = ['6f8b2c1e-0c4f-4c8e-9a57-3a1f1f6b2d01', '6f8b2c1e-0c4f-4c8e-9a57-3a1f1f6b2d02'];

/** A random part: entities whose names, ids, targets and references often repeat across parts. */
function randomPart(rand: () => number): Rec {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const part: Rec = { _format_version: '3.0' };
  const add = (collection: string, entity: Rec) => {
    part[collection] = [...((part[collection] as Rec[] | undefined) ?? []), entity];
  };
  const count = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < count; i++) {
    switch (pick(['service', 'upstream', 'consumer', 'plugin'])) {
      case 'service':
        add('services', {
          name: pick(['a', 'b', 'c', 'd']),
          host: 'x.default.svc',
          ...(rand() < 0.3 ? { id: pick(IDS) } : {}),
          routes: [{ name: pick(['r1', 'r2', 'r3', 'r4']), paths: ['/x'] }],
        });
        break;
      case 'upstream':
        add('upstreams', {
          name: pick(['u1.svc', 'u2.svc', 'u3.svc']),
          targets: [{ target: pick(['10.0.0.1:80', '10.0.0.2:80']) }],
        });
        break;
      case 'consumer':
        add('consumers', {
          username: pick(['alice', 'bob', 'carol']),
          ...(rand() < 0.5 ? { custom_id: pick(['c1', 'c2']) } : {}),
        });
        break;
      default:
        // Names a service that may be in this part, another part, or nowhere; its derived id may repeat.
        add('plugins', { name: 'cors', service: pick(['a', 'b', 'zz']) });
    }
  }
  return part;
}

describe('validateDeclarativeParts', () => {
  const goldens = readKicGoldens().map((g) => ({
    name: g.name,
    config: parse(g.text) as Rec,
    options: { edition: g.edition, routerFlavor: g.routerFlavor },
  }));

  it.skipIf(!KIC_GOLDENS_PRESENT).each(goldens)(
    '$name: as one part, and split, it says what validating the whole says, or nothing',
    ({ config, options }) => {
      const whole = validateDeclarativeConfig(config, { ...options, ...errorsOnly });
      expect(validateDeclarativeParts([config], options)).toEqual(whole);
      for (const n of [2, 3]) {
        const verdict = validateDeclarativeParts(split(config, n), options);
        if (verdict)
          expect(verdict).toEqual(
            validateDeclarativeConfig(merged(split(config, n)), { ...options, ...errorsOnly }),
          );
      }
    },
  );

  it('never passes a whole that fails: 2,000 random splits with repeating names, ids and references', () => {
    const rand = prng(12);
    let told = 0;
    let wholeFailed = 0;
    for (let i = 0; i < 2000; i++) {
      const parts = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => randomPart(rand));
      const whole = validateDeclarativeConfig(merged(parts), errorsOnly);
      const verdict = validateDeclarativeParts(parts);
      if (!whole.ok) wholeFailed++;
      if (verdict === undefined) continue;
      told++;
      expect(whole.ok).toBe(true);
      expect(verdict).toEqual(whole);
    }
    // Both kinds occur often enough for the check to mean something.
    expect(told).toBeGreaterThan(200);
    expect(wholeFailed).toBeGreaterThan(200);
  });

  it('says nothing when a name, an id or a unique field repeats across parts', () => {
    const service = (name: string, extra: Rec = {}) => ({ name, host: 'x.svc', ...extra });
    const cases: Rec[][] = [
      [{ services: [service('a')] }, { services: [service('a')] }],
      [{ services: [service('a', { id: IDS[0] })] }, { services: [service('b', { id: IDS[0] })] }],
      [
        { consumers: [{ username: 'x', custom_id: 'c' }] },
        { consumers: [{ username: 'y', custom_id: 'c' }] },
      ],
      [
        { upstreams: [{ name: 'u.svc', targets: [{ target: '10.0.0.1:80' }] }] },
        { upstreams: [{ name: 'u.svc' }] },
      ],
    ].map((parts) => parts.map((part) => ({ _format_version: '3.0', ...part })));
    for (const parts of cases) {
      expect(validateDeclarativeConfig(merged(parts), errorsOnly).ok).toBe(false);
      expect(validateDeclarativeParts(parts)).toBeUndefined();
    }
    // Entities with random ids name nothing: two parts may both have one.
    const keyless = [
      { _format_version: '3.0', services: [service('a')] },
      { _format_version: '3.0', services: [service('b')] },
    ];
    expect(validateDeclarativeParts(keyless)).toEqual(validateDeclarativeConfig(merged(keyless), errorsOnly));
  });

  it('validates a part its memo vouches for once', () => {
    const memo = new ValidationMemo(() => true);
    const service = { name: 'a', host: 'x.svc', port: 80 };
    const parts = [{ _format_version: '3.0', services: [service] }, { _format_version: '3.0' }];
    expect(validateDeclarativeParts(parts, { memo })?.ok).toBe(true);
    service.port = 70000; // a lie to the memo, to show what it holds
    expect(validateDeclarativeParts(parts, { memo })?.ok).toBe(true);
    expect(validateDeclarativeParts(parts)).toBeUndefined();
  });
});
