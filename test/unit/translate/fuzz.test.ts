import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../kong/canonical.ts';
import { buildWithFallback, translate } from '../../../kong/translate/index.ts';
import {
  consumer,
  endpointSlice,
  httpRoute,
  ingress,
  kongPlugin,
  prng,
  secret,
  service,
  TEST_CERT,
  TEST_KEY,
} from './helpers.ts';

const JUNK: unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  '',
  'x',
  '/~(',
  true,
  [],
  {},
  [1, 'a'],
  { a: { b: null } },
];

function corpus(): Record<string, unknown>[] {
  return [
    ingress('i', {
      host: 'a.example.com',
      annotations: { 'konghq.com/plugins': 'p', 'konghq.com/methods': 'GET' },
      extraSpec: {
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        defaultBackend: { service: { name: 'svc', port: { number: 80 } } },
      },
    }),
    service('svc', { annotations: { 'konghq.com/upstream-policy': 'pol', 'konghq.com/protocol': 'https' } }),
    endpointSlice('s', 'svc', [{ addresses: ['10.0.0.1'], conditions: { ready: true } }]),
    secret(
      'tls',
      { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
      { uid: '00000000-0000-4000-8000-000000000001' },
    ),
    kongPlugin('p', 'rate-limiting', { config: { minute: 1 }, instance_name: 'rl' }),
    consumer(
      'c',
      { username: 'alice', credentials: ['k'], consumerGroups: ['g'] },
      { 'konghq.com/plugins': 'p' },
    ),
    secret('k', { key: 'abc' }, { labels: { 'konghq.com/credential': 'key-auth' } }),
    httpRoute(
      'h',
      [
        {
          matches: [
            {
              path: { type: 'PathPrefix', value: '/h' },
              headers: [{ name: 'x', value: 'y' }],
              method: 'GET',
            },
          ],
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/n' } },
            },
          ],
          backendRefs: [{ kind: 'Service', name: 'svc', port: 80, weight: 3 }],
        },
      ],
      { hostnames: ['h.example.com'] },
    ),
    {
      apiVersion: 'configuration.konghq.com/v1beta1',
      kind: 'KongUpstreamPolicy',
      metadata: { name: 'pol', namespace: 'default' },
      spec: {
        algorithm: 'consistent-hashing',
        hashOn: { header: 'x' },
        healthchecks: { active: { type: 'http' } },
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'g', namespace: 'default' },
      spec: {
        rules: [
          {
            matches: [{ method: { service: 's', method: 'm' } }],
            backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }],
          },
        ],
      },
    },
  ];
}

/** Replaces one randomly chosen value somewhere inside the object with junk. */
function mutate(value: unknown, rnd: () => number, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0 || (depth > 0 && rnd() < 0.3)) return JUNK[Math.floor(rnd() * JUNK.length)];
  const [key, child] = entries[Math.floor(rnd() * entries.length)]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] =
    rnd() < 0.5 ? mutate(child, rnd, depth + 1) : JUNK[Math.floor(rnd() * JUNK.length)];
  return copy;
}

describe('fuzz: randomly corrupted objects never throw and always yield a config', () => {
  it.each([
    ['traditional', {}],
    ['expressions', { featureFlags: { ExpressionRoutes: true } }],
  ])('%s router, 400 corrupted snapshots', (_label, settings) => {
    const rnd = prng(_label === 'traditional' ? 1 : 2);
    for (let i = 0; i < 400; i++) {
      const objects = corpus().map((o) => (rnd() < 0.4 ? mutate(o, rnd) : o));
      const result = translate(objects, settings);
      expect(result.config._format_version).toBe('3.0');
      canonicalJson(result.config);
      if (i % 20 === 0) expect(buildWithFallback(objects, { settings }).config._format_version).toBe('3.0');
    }
  });
});
