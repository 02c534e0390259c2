import { configHash } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { canonicalConfig, canonicalJson } from '../../../kong/canonical.ts';
import { translate } from '../../../kong/translate/index.ts';
import { ingress, mixedObjects, service } from './helpers.ts';

const mixed = () => mixedObjects(25);

/** Deterministic Fisher–Yates with a fixed LCG: the shuffle is reproducible, the test needs no randomness. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('determinism', () => {
  it('the same input twice gives byte-identical canonical text', () => {
    const a = canonicalJson(translate(mixed()).config);
    const b = canonicalJson(translate(mixed()).config);
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThan(10_000);
  });

  it.each([1, 2, 3])('shuffled input (seed %i) gives byte-identical text and errors', (seed) => {
    const base = translate(mixed());
    const other = translate(shuffled(mixed(), seed));
    expect(canonicalJson(other.config)).toBe(canonicalJson(base.config));
    expect(other.errors).toEqual(base.errors);
  });

  it('canonical text keeps user keys such as __proto__ as data', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"d":2,"c":null}]}'))).toBe(
      '{"__proto__":{"x":1},"a":[{"c":null,"d":2}],"b":1}',
    );
  });

  it('canonical text has sorted keys and hashes with md5', () => {
    const { text, hash } = canonicalConfig({
      _format_version: '3.0',
      upstreams: [{ name: 'kong', algorithm: 'round-robin' }],
    });
    expect(text).toBe('{"_format_version":"3.0","upstreams":[{"algorithm":"round-robin","name":"kong"}]}');
    expect(hash).toBe(configHash(text));
  });
});

describe('junk input never throws past the object', () => {
  it.each([
    ['non-objects', [null, 42, 'text', [], true]],
    [
      'no kind or name',
      [{ metadata: { name: 'x' } }, { kind: 'Service', metadata: {} }, { kind: 'Ingress' }],
    ],
    [
      'wrong types everywhere',
      [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'i', namespace: 'default', annotations: 'nope' },
          spec: { ingressClassName: 'kong', rules: 'all', tls: 5 },
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'j', namespace: 'default' },
          spec: {
            ingressClassName: 'kong',
            rules: [{ host: 7, http: { paths: [{ path: 3, backend: { service: { name: 9 } } }] } }],
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'default', annotations: { 'konghq.com/retries': 3 } },
          spec: { ports: 'http' },
        },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'e', namespace: 'default', labels: { 'kubernetes.io/service-name': 's' } },
          endpoints: [{ addresses: 'x' }, null],
          ports: [{ port: 'http' }],
        },
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'h', namespace: 'default' },
          spec: { rules: [{ matches: 'x', backendRefs: [1, { kind: 'Service' }] }] },
        },
        {
          apiVersion: 'configuration.konghq.com/v1',
          kind: 'KongPlugin',
          metadata: { name: 'p', namespace: 'default' },
          plugin: 5,
          configPatches: [{}],
        },
        {
          apiVersion: 'configuration.konghq.com/v1',
          kind: 'KongConsumer',
          metadata: {
            name: 'c',
            namespace: 'default',
            annotations: { 'kubernetes.io/ingress.class': 'kong' },
          },
          username: ['a'],
          credentials: 'k',
        },
        {
          apiVersion: 'configuration.konghq.com/v1beta1',
          kind: 'KongUpstreamPolicy',
          metadata: { name: 'u', namespace: 'default' },
          spec: { hashOn: 'ip' },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'x', namespace: 'default' },
          data: { 'tls.crt': '!!!not base64!!!' },
        },
      ],
    ],
  ])('%s', (_label, objects) => {
    const result = translate(objects as unknown[]);
    expect(result.config._format_version).toBe('3.0');
    expect(() => canonicalJson(result.config)).not.toThrow();
  });

  it('reports objects without a name; ignores unrelated kinds and stream Ingresses of no class', () => {
    const { errors } = translate([
      { kind: 'Service', metadata: {} },
      {
        kind: 'TCPIngress',
        apiVersion: 'configuration.konghq.com/v1beta1',
        metadata: { name: 't', namespace: 'default' },
      },
      { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd', namespace: 'default' } },
    ]);
    expect(errors.map((e) => [e.object.kind, e.reason])).toEqual([['Service', 'metadata.name is missing']]);
  });

  it('kinds from other API groups are not ours (a Knative Service is not a core Service)', () => {
    const knative = { ...service('svc'), apiVersion: 'serving.knative.dev/v1' };
    const { config, errors } = translate([ingress('i'), knative]);
    expect(config.services?.[0]?.tags).toContain('k8s-name:UNKNOWN');
    expect(errors[0]?.reason).toContain('Service default/svc not found');
  });

  it('an Ingress referencing a Service that appears twice uses the last copy and warns', () => {
    const { errors } = translate([
      ingress('i'),
      service('svc'),
      service('svc', { annotations: { 'konghq.com/retries': '1' } }),
    ]);
    expect(errors[0]?.reason).toContain('appears more than once');
  });
});
