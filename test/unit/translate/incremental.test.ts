import { describe, expect, it } from 'vitest';
import { canonicalConfig } from '../../../kong/canonical.ts';
import {
  buildWithFallback,
  type FallbackOptions,
  IncrementalBuilder,
} from '../../../kong/translate/index.ts';
import {
  consumer,
  endpointSlice,
  httpRoute,
  ingress,
  kongPlugin,
  mixedObjects,
  prng,
  secret,
  service,
} from './helpers.ts';

type Obj = Record<string, unknown>;

function base(): Obj[] {
  return [
    ...mixedObjects(12),
    service('svc', { annotations: { 'konghq.com/plugins': 'rl' } }),
    ingress('plain', { host: 'plain.example.com', service: 'svc' }),
  ];
}

/** One random object of a kind the translator reads, sometimes clashing with what is there, sometimes broken. */
function newObject(rand: () => number, n: number): Obj {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const ns = pick(['default', 'team-1', 'team-2']);
  const svc = pick(['svc', 'app-1', 'app-2', 'missing']);
  switch (pick(['ingress', 'service', 'slice', 'secret', 'plugin', 'route', 'consumer'])) {
    case 'ingress':
      return ingress(`ing-${n}`, {
        ns,
        host: pick(['plain.example.com', 'app-1.example.com', `h${n}.example.com`]),
        path: pick(['/', '/a', '/app-1', '/~^/re(x']),
        service: svc,
        annotations: rand() < 0.3 ? { 'konghq.com/plugins': pick(['rl', 'nope', 'bad']) } : {},
      });
    case 'service':
      return service(pick(['svc', 'app-2', `svc-${n}`]), {
        ns,
        annotations: rand() < 0.5 ? { 'konghq.com/read-timeout': pick(['10', 'x', '-1']) } : {},
      });
    case 'slice':
      return endpointSlice(`s-${n}`, svc, [
        { addresses: [`10.9.${n & 255}.1`], conditions: { ready: rand() < 0.8 } },
      ]);
    case 'secret':
      return secret(
        pick(['k', `k-${n}`]),
        { key: `key-${n % 3}` },
        {
          labels: { 'konghq.com/credential': 'key-auth' },
        },
      );
    case 'plugin':
      return pick([
        kongPlugin('rl', 'rate-limiting', { config: { minute: n } }),
        kongPlugin('bad', 'rate-limiting', { config: { minute: 'lots' } }),
        kongPlugin(`p-${n}`, 'cors', { config: { origins: ['*'] } }, ns),
      ]);
    case 'route':
      return httpRoute(`r-${n}`, [
        {
          matches: [{ path: { type: 'PathPrefix', value: pick(['/h', `/r${n}`]) } }],
          backendRefs: [{ kind: 'Service', name: svc, port: 80 }],
        },
      ]);
    default:
      return consumer(pick(['c', `c-${n}`]), { username: pick(['alice', `u${n}`]), credentials: ['k'] });
  }
}

/** An edit makes a new object (inputs are immutable): a changed label, annotation, port or path. */
function edited(object: Obj, rand: () => number, n: number): Obj {
  const copy = structuredClone(object) as Obj & { metadata?: Obj; spec?: Obj };
  copy.metadata ??= {};
  const metadata = copy.metadata as { annotations?: Record<string, string> };
  const choice = rand();
  if (choice < 0.4)
    metadata.annotations = { ...metadata.annotations, 'konghq.com/strip-path': String(n % 2 === 0) };
  else if (choice < 0.7 && copy.kind === 'Ingress') {
    const rules = (copy.spec as { rules?: { http?: { paths?: { path?: string }[] } }[] }).rules;
    const path = rules?.[0]?.http?.paths?.[0];
    if (path) path.path = `/edit-${n}`;
  } else if (copy.kind === 'EndpointSlice') copy.endpoints = [{ addresses: [`10.8.0.${n & 255}`] }];
  else if (copy.kind === 'Service')
    copy.spec = { ...copy.spec, ports: [{ port: 80 + (n % 3), name: 'http' }] };
  else metadata.annotations = { ...metadata.annotations, 'konghq.com/plugins': 'rl' };
  return copy;
}

function expectSameAsFull(
  builder: IncrementalBuilder,
  objects: readonly unknown[],
  options: FallbackOptions,
): boolean {
  const incremental = builder.build(objects, options);
  const full = buildWithFallback(objects, options);
  const { text, hash } = canonicalConfig(full.config);
  expect(incremental.text).toBe(text);
  expect(incremental.hash).toBe(hash);
  expect(incremental.errors).toEqual(full.errors);
  expect(incremental.excluded).toEqual(full.excluded);
  expect(incremental.valid).toBe(full.valid);
  expect([...incremental.secretValues].sort()).toEqual([...full.secretValues].sort());
  return incremental.reused;
}

describe('incremental build = full build (differential, randomised change sequences)', () => {
  it.each([1, 2, 3, 4])('seed %i: canonical text, hash and errors match after every step', (seed) => {
    const rand = prng(seed);
    const builder = new IncrementalBuilder();
    const settings = seed % 2 === 0 ? { featureFlags: { ExpressionRoutes: true } } : {};
    let objects: Obj[] = base();
    let exclude: string[] = [];
    let reused = 0;
    for (let step = 0; step < 30; step++) {
      const op = rand();
      if (op < 0.3) objects = [...objects, newObject(rand, step)];
      else if (op < 0.6) {
        const i = Math.floor(rand() * objects.length);
        objects = objects.map((o, j) => (j === i ? edited(o, rand, step) : o));
      } else if (op < 0.75) {
        const i = Math.floor(rand() * objects.length);
        objects = objects.filter((_, j) => j !== i);
      } else if (op < 0.85) {
        // No change at all: a new array of the same objects (a build asked for by an event that changed nothing).
        objects = [...objects];
      } else if (op < 0.92) {
        // A proxy rejected an object: the exclusion set changes, the objects do not.
        exclude = rand() < 0.5 ? [] : ['Ingress.networking.k8s.io/team-1/app-1'];
      } else {
        // Same content, another order: a memo miss at most, never a different config.
        objects = [...objects].reverse();
      }
      if (expectSameAsFull(builder, objects, { settings, exclude })) reused++;
    }
    expect(reused).toBeGreaterThan(0);
  });

  it('reuses the last build only while nothing it reads changed', () => {
    const builder = new IncrementalBuilder();
    const objects = base();
    expect(builder.build(objects).reused).toBe(false);
    expect(builder.build([...objects]).reused).toBe(true);
    expect(builder.build(objects, { settings: { featureFlags: { ExpressionRoutes: true } } }).reused).toBe(
      false,
    );
    expect(builder.build(objects, { exclude: new Map([['Secret/default/k', 1]]).keys() }).reused).toBe(false);
    expect(builder.build(objects, { exclude: ['Secret/default/k'] }).reused).toBe(true);
    expect(
      builder.build(objects, {
        profiles: [{ kongVersion: '3.4.1', routerFlavor: 'traditional', edition: 'community' }],
      }).reused,
    ).toBe(false);
    // A caller's own validator has no content to compare: always the full path.
    expect(builder.build(objects, { validate: () => ({ ok: true }) as never }).reused).toBe(false);
    expect(builder.build(objects, { validate: () => ({ ok: true }) as never }).reused).toBe(false);
  });
});
