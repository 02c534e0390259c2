import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BoundedMemo } from '../../src/memo.ts';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';
import { KIC_GOLDENS_PRESENT, readKicGoldens } from '../kic-goldens.ts';

type Rec = Record<string, unknown>;

/** Every KIC golden (configs a real Kong accepted), with the settings the sim uses for it. */
const goldens = readKicGoldens().map((g) => ({
  name: g.name,
  config: parse(g.text) as Rec,
  options: { edition: g.edition, routerFlavor: g.routerFlavor },
}));

const svc = (name: string, extra: Rec = {}): Rec => ({ name, host: `${name}.default.svc`, ...extra });

/** Invalid in each phase: schema, references, endpoint-key and primary-key uniqueness. */
const invalid: { name: string; config: Rec }[] = [
  { name: 'schema', config: { _format_version: '3.0', services: [svc('a', { port: 70000 })] } },
  {
    name: 'reference',
    config: {
      _format_version: '3.0',
      services: [svc('a')],
      routes: [{ name: 'r', paths: ['/'], service: 'nope' }],
    },
  },
  { name: 'endpoint key', config: { _format_version: '3.0', services: [svc('a'), svc('a')] } },
  {
    name: 'primary key',
    config: {
      _format_version: '3.0',
      upstreams: [{ name: 'u.svc', targets: [{ target: '10.0.0.1:80' }, { target: '10.0.0.1:80' }] }],
    },
  },
];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

describe("output: 'errors-only'", () => {
  it.skipIf(!KIC_GOLDENS_PRESENT)('found the goldens', () => expect(goldens.length).toBe(40));

  it.each(goldens)('accepts $name with the same count as the full body', ({ config, options }) => {
    const full = validateDeclarativeConfig(config, { ...options, now: () => 1 });
    const verdict = validateDeclarativeConfig(config, { ...options, output: 'errors-only' });
    expect(full.ok).toBe(true);
    expect(verdict.ok).toBe(true);
    if (!full.ok || !verdict.ok) return;
    expect(verdict.entities).toBeUndefined();
    expect(verdict.entityCount).toBe(full.entityCount);
    expect(verdict.entityCount).toBe(
      Object.values(full.entities).reduce((n, c) => n + Object.keys(c).length, 0),
    );
    expect(verdict.meta).toEqual(full.meta);
  });

  it.each(invalid)('reports the same $name error as the full mode', ({ config }) => {
    const full = validateDeclarativeConfig(config);
    const verdict = validateDeclarativeConfig(config, { output: 'errors-only' });
    expect(full.ok).toBe(false);
    expect(verdict).toEqual(full);
  });
});

describe('validation leaves its input alone', () => {
  it.each(goldens)('$name, deep-frozen, validates as an unfrozen copy does', ({ config, options }) => {
    const fixed = () => {
      let counter = 0;
      const randomUuid = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;
      return { ...options, now: () => 1, randomUuid };
    };
    const frozen = validateDeclarativeConfig(deepFreeze(structuredClone(config)), fixed());
    expect(frozen.ok).toBe(true);
    expect(frozen).toEqual(validateDeclarativeConfig(structuredClone(config), fixed()));
  });

  it('rewrites shorthands (service url, upstream hash_on, plugin config) on copies', () => {
    const config = deepFreeze({
      _format_version: '3.0',
      services: [
        {
          name: 's',
          url: 'https://example.com:8443/api',
          plugins: [{ name: 'rate-limiting', config: { minute: 5, redis_host: 'r' } }],
        },
      ],
      upstreams: [{ name: 'u.svc', hash_on: 'ip' }],
    });
    const result = validateDeclarativeConfig(config);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const service = Object.values(result.entities.services!)[0]!;
    expect(service).toMatchObject({ protocol: 'https', host: 'example.com', port: 8443, path: '/api' });
    expect(Object.values(result.entities.upstreams!)[0]).toMatchObject({ algorithm: 'consistent-hashing' });
    expect(Object.values(result.entities.plugins!)[0]!.config).toMatchObject({ redis: { host: 'r' } });
  });

  it('gives every entity its own default arrays and records', () => {
    const config = { _format_version: '3.0', upstreams: [{ name: 'a.svc' }, { name: 'b.svc' }] };
    const result = validateDeclarativeConfig(config);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [a, b] = Object.values(result.entities.upstreams!) as Rec[];
    expect(a!.healthchecks).toEqual(b!.healthchecks);
    expect(a!.healthchecks).not.toBe(b!.healthchecks);
    const healthy = (u: Rec) =>
      (u.healthchecks as { active: { healthy: { http_statuses: number[] } } }).active.healthy;
    expect(healthy(a!).http_statuses).not.toBe(healthy(b!).http_statuses);
  });
});

describe('BoundedMemo', () => {
  it('computes once per key while the key is recent', () => {
    const memo = new BoundedMemo<string>(10);
    let calls = 0;
    const compute = (scope: string, key: string | undefined, sub: string | undefined) => {
      calls++;
      return `${scope}/${key}/${sub}`;
    };
    expect(memo.get('s', 'a', undefined, compute)).toBe('s/a/undefined');
    expect(memo.get('s', 'a', undefined, compute)).toBe('s/a/undefined');
    expect(memo.get('s', 'a', 'x', compute)).toBe('s/a/x');
    expect(memo.get('t', 'a', undefined, compute)).toBe('t/a/undefined');
    expect(calls).toBe(3);
  });

  it('keeps at most two generations of entries', () => {
    const memo = new BoundedMemo<number>(3);
    let calls = 0;
    const compute = (_s: string, key: string | undefined) => {
      calls++;
      return Number(key);
    };
    for (const key of ['1', '2', '3']) memo.get('s', key, undefined, compute); // newer: 1 2 3
    for (const key of ['4', '5', '6']) memo.get('s', key, undefined, compute); // older: 1 2 3, newer: 4 5 6
    memo.get('s', '1', undefined, compute); // from older: no call; newer is full, so 4 5 6 become older
    expect(calls).toBe(6);
    memo.get('s', '7', undefined, compute); // newer: 1 7
    memo.get('s', '2', undefined, compute); // 2 was dropped with the first older generation
    expect(calls).toBe(8);
    memo.get('s', '5', undefined, compute); // still in the older generation
    expect(calls).toBe(8);
  });
});
