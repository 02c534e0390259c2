import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../kong/canonical.ts';
import { buildWithFallback, translate } from '../../../kong/translate/index.ts';
import { PartitionedTranslator } from '../../../kong/translate/partitioned.ts';
import { consumer, endpointSlice, httpRoute, ingress, kongPlugin, prng, secret, service } from './helpers.ts';

type Obj = Record<string, unknown>;

/** Objects of the kinds that split into parts, often sharing hosts, Services, plugins and Secrets. */
function randomObject(rand: () => number, n: number): Obj {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const ns = pick(['default', 'team-1']);
  const svc = pick(['svc', 'app-1', 'app-2', `svc-${n}`]);
  switch (pick(['ingress', 'ingress', 'service', 'slice', 'plugin', 'secret', 'consumer', 'class'])) {
    case 'ingress':
      return ingress(`ing-${n}`, {
        ns,
        host: pick(['shared.example.com', `h${n}.example.com`, '']),
        path: pick(['/', '/a', `/p${n}`, '/~^/re(x']),
        service: svc,
        annotations: rand() < 0.3 ? { 'konghq.com/plugins': pick(['rl', 'nope', 'bad']) } : {},
        extraSpec:
          rand() < 0.2
            ? { tls: [{ hosts: [pick(['shared.example.com', `h${n}.example.com`])], secretName: 'tls' }] }
            : {},
      });
    case 'service':
      return service(svc, {
        ns,
        annotations:
          rand() < 0.5 ? { 'konghq.com/read-timeout': pick(['10', 'x']), 'konghq.com/plugins': 'rl' } : {},
      });
    case 'slice':
      return endpointSlice(
        `s-${n}`,
        svc,
        [{ addresses: [`10.9.${n & 255}.1`], conditions: { ready: rand() < 0.8 } }],
        undefined,
        ns,
      );
    case 'plugin':
      return pick([
        kongPlugin('rl', 'rate-limiting', { config: { minute: n } }, ns),
        kongPlugin('bad', 'rate-limiting', { config: { minute: 'lots' } }, ns),
      ]);
    case 'secret':
      return secret(
        pick(['tls', 'k']),
        { key: `key-${n % 3}` },
        { ns, labels: { 'konghq.com/credential': 'key-auth' } },
      );
    case 'consumer':
      return consumer(pick(['c', `c-${n}`]), { username: pick(['alice', `u${n}`]), credentials: ['k'] });
    default:
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: {
          name: 'kong',
          annotations: { 'ingressclass.kubernetes.io/is-default-class': String(rand() < 0.5) },
        },
        spec: { controller: 'ingress-controllers.konghq.com/kong' },
      };
  }
}

function expectSameAsWhole(translator: PartitionedTranslator, objects: readonly unknown[], settings = {}) {
  const parts = translator.translate(objects, settings);
  const whole = translate(objects, settings);
  expect(canonicalJson(parts.config)).toBe(canonicalJson(whole.config));
  expect(parts.errors).toEqual(whole.errors);
  expect(parts.rejected).toEqual(whole.rejected);
  expect(parts.gatewayAPI).toEqual(whole.gatewayAPI);
  expect([...parts.secretValues].sort()).toEqual([...whole.secretValues].sort());
}

/** The fallback build (translate, validate, exclude, again) through the translator, as the build job runs it. */
function expectSameBuild(translator: PartitionedTranslator, objects: readonly unknown[], settings = {}) {
  const parts = buildWithFallback(objects, { settings }, (o, s) => translator.translate(o, s));
  const whole = buildWithFallback(objects, { settings });
  expect(canonicalJson(parts.config)).toBe(canonicalJson(whole.config));
  expect(parts.valid).toBe(whole.valid);
  expect(parts.validationError).toEqual(whole.validationError);
  expect(parts.excluded).toEqual(whole.excluded);
  expect(parts.errors).toEqual(whole.errors);
  expect(parts.iterations).toBe(whole.iterations);
}

describe('partitioned translation = whole translation', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: config, errors and verdicts match after every step', (seed) => {
    const rand = prng(seed);
    const translator = new PartitionedTranslator();
    const settings = seed % 2 === 0 ? { featureFlags: { ExpressionRoutes: true } } : {};
    let objects: Obj[] = Array.from({ length: 25 }, (_, n) => randomObject(rand, n));
    for (let step = 0; step < 40; step++) {
      const op = rand();
      const i = Math.floor(rand() * objects.length);
      if (op < 0.4) objects = [...objects, randomObject(rand, 100 + step)];
      else if (op < 0.7) objects = objects.map((o, j) => (j === i ? randomObject(rand, j) : o));
      else if (op < 0.85) objects = objects.filter((_, j) => j !== i);
      else objects = [...objects].reverse();
      expectSameAsWhole(translator, objects, settings);
      expectSameBuild(translator, objects, settings);
    }
  });

  it('translates only the part of the object that changed, and reuses the others', () => {
    const sets = (i: number): Obj[] => [
      ingress(`app-${i}`, { host: `app-${i}.example.com`, service: `app-${i}` }),
      service(`app-${i}`),
      endpointSlice(`app-${i}-x`, `app-${i}`, [{ addresses: [`10.0.0.${i}`] }]),
    ];
    let objects = Array.from({ length: 50 }, (_, i) => sets(i)).flat();
    const translator = new PartitionedTranslator();
    translator.translate(objects);
    expect(translator.lastTranslatedParts).toBe(50);
    objects = objects.map((o, j) =>
      j === 30 ? ingress('app-10', { host: 'moved.example.com', service: 'app-10' }) : o,
    );
    expectSameAsWhole(translator, objects);
    expect(translator.lastTranslatedParts).toBe(1);
    // A second Ingress on app-3's host joins app-3's part: both are translated together.
    objects = [...objects, ingress('other', { host: 'app-3.example.com', path: '/other', service: 'app-7' })];
    expectSameAsWhole(translator, objects);
    expect(translator.lastTranslatedParts).toBe(1);
    // Gateway API reads across everything: the input is one part.
    objects = [...objects, httpRoute('r', [{ backendRefs: [{ kind: 'Service', name: 'app-1', port: 80 }] }])];
    expectSameAsWhole(translator, objects);
  });

  it('shares memoised parts frozen, so no later step can change a reused entity', () => {
    const translator = new PartitionedTranslator();
    const objects = [
      ingress('a', { host: 'a.example.com', service: 'a' }),
      service('a'),
      ingress('b', { host: 'b.example.com', service: 'b' }),
      service('b'),
    ];
    const service0 = translator.translate(objects).config.services![0]!;
    expect(Object.isFrozen(service0)).toBe(true);
    expect(() => {
      (service0 as { name: string }).name = 'changed';
    }).toThrow(TypeError);
  });
});
