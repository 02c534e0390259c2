import { describe, expect, it } from 'vitest';
import {
  endpointSlice,
  errorsFor,
  ingress,
  run,
  secret,
  service,
  services,
  TEST_CERT,
  TEST_KEY,
} from './helpers.ts';

// KongIngress, TCPIngress and UDPIngress: deprecated, but still translated by KIC 3.x
// (internal/dataplane/translator/translate_kong_l4.go, kongstate/upstream.go), so a cluster migrated from KIC keeps
// every entity. Expected values follow KIC's own unit tests (translate_kong_l4_test.go).

type Obj = Record<string, unknown>;

function streamIngress(kind: 'TCPIngress' | 'UDPIngress', name: string, spec: Obj, annotations = {}): Obj {
  return {
    apiVersion: 'configuration.konghq.com/v1beta1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      uid: `${name}-uid`,
      annotations: { 'kubernetes.io/ingress.class': 'kong', ...annotations },
    },
    spec,
  };
}

const backend = (port = 80) => ({ serviceName: 'foo-svc', servicePort: port });
const fooService = service('foo-svc', { ports: [{ port: 80, name: 'tcp', targetPort: 9000 }] });
const fooSlice = endpointSlice(
  'foo-svc-1',
  'foo-svc',
  [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
  [{ name: 'tcp', port: 9000, protocol: 'TCP' }],
);

function kongIngress(name: string, body: Obj): Obj {
  return {
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongIngress',
    metadata: { name, namespace: 'default' },
    ...body,
  };
}

describe('TCPIngress', () => {
  it('a rule becomes a tcp/tls route on its port, with a Kong service per backend Service and port', () => {
    const { config, errors } = run([
      streamIngress('TCPIngress', 'foo', { rules: [{ port: 9000, backend: backend() }] }),
      fooService,
      fooSlice,
    ]);
    const [svc] = services(config);
    expect(svc).toMatchObject({
      name: 'default.foo-svc.80',
      host: 'foo-svc.default.80.svc',
      protocol: 'tcp',
      port: 80,
    });
    expect(svc?.routes).toHaveLength(1);
    expect(svc?.routes?.[0]).toMatchObject({
      name: 'default.foo.0',
      protocols: ['tcp', 'tls'],
      destinations: [{ port: 9000 }],
    });
    expect(svc?.routes?.[0]?.tags).toEqual(
      expect.arrayContaining(['k8s-name:foo', 'k8s-kind:TCPIngress', 'k8s-group:configuration.konghq.com']),
    );
    expect(config.upstreams?.[0]).toMatchObject({
      name: 'foo-svc.default.80.svc',
      targets: [{ target: '10.0.0.1:9000' }],
    });
    expect(errorsFor(errors, 'TCPIngress', 'foo').map((e) => e.reason)).toEqual([
      'TCPIngress is deprecated: migrate to TCPRoute or TLSRoute (translated as KIC 3.x does)',
    ]);
  });

  it('a rule host becomes the route SNI; spec.tls claims certificates like Ingress TLS', () => {
    const { config } = run([
      streamIngress('TCPIngress', 'foo', {
        rules: [{ host: 'example.com', port: 9000, backend: backend() }],
        tls: [{ hosts: ['1.example.com', '2.example.com'], secretName: 'sooper-secret' }],
      }),
      fooService,
      secret('sooper-secret', { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY }, { uid: 'cert-uid' }),
    ]);
    expect(services(config)[0]?.routes?.[0]?.snis).toEqual(['example.com']);
    expect(config.certificates?.[0]?.snis?.map((sni) => sni.name)).toEqual([
      '1.example.com',
      '2.example.com',
    ]);
  });

  it('expression routes: the port and SNI become an expression, as KIC ApplyExpressionToL4KongRoute', () => {
    const { config } = run(
      [
        streamIngress('TCPIngress', 'foo', {
          rules: [{ host: 'a.example', port: 9000, backend: backend() }],
        }),
        fooService,
      ],
      { featureFlags: { ExpressionRoutes: true } },
    );
    const route = services(config)[0]?.routes?.[0];
    expect(route?.expression).toBe('(tls.sni == "a.example") && (net.dst.port == 9000)');
    expect(route?.priority).toBe(1);
    expect(route?.destinations).toBeUndefined();
  });

  it('is translated only for our class, and incomplete rules are reported and skipped', () => {
    const other = streamIngress(
      'TCPIngress',
      'other',
      { rules: [{ port: 1, backend: backend() }] },
      {
        'kubernetes.io/ingress.class': 'nginx',
      },
    );
    const broken = streamIngress('TCPIngress', 'broken', { rules: [{ backend: backend() }] });
    const { config, errors } = run([other, broken, fooService]);
    expect(services(config)).toEqual([]);
    expect(errorsFor(errors, 'TCPIngress', 'other')).toEqual([]);
    expect(errorsFor(errors, 'TCPIngress', 'broken').map((e) => e.reason)).toContain(
      'rule 0: needs port, backend.serviceName and backend.servicePort; rule skipped',
    );
  });

  it("a Kong service named like an Ingress's replaces it, as KIC's rule merge does, and says so", () => {
    const web = ingress('web', { service: 'foo-svc', port: { number: 80 } });
    const { config, errors } = run([
      web,
      streamIngress('TCPIngress', 'foo', { rules: [{ port: 9000, backend: backend() }] }),
      fooService,
    ]);
    expect(services(config).map((s) => [s.name, s.protocol, s.routes?.map((r) => r.name)])).toEqual([
      ['default.foo-svc.80', 'tcp', ['default.foo.0']],
    ]);
    expect(errorsFor(errors, 'TCPIngress', 'foo').map((e) => e.reason)).toContain(
      "Kong service default.foo-svc.80 of Ingress default/web is replaced by this TCPIngress's, as in KIC",
    );
  });
});

describe('UDPIngress', () => {
  it('a rule becomes a udp route and a udp Kong service on the Service port', () => {
    const { config, errors } = run([
      streamIngress('UDPIngress', 'dns', {
        rules: [{ port: 9999, backend: { serviceName: 'foo-svc', servicePort: 80 } }],
      }),
      fooService,
    ]);
    const [svc] = services(config);
    expect(svc).toMatchObject({
      name: 'default.foo-svc.80.udp',
      host: 'foo-svc.default.80.svc',
      protocol: 'udp',
      port: 80,
    });
    expect(svc?.routes?.[0]).toMatchObject({
      name: 'default.dns.0.udp',
      protocols: ['udp'],
      destinations: [{ port: 9999 }],
    });
    expect(errorsFor(errors, 'UDPIngress', 'dns')[0]?.reason).toContain('UDPIngress is deprecated');
  });
});

describe('KongIngress (konghq.com/override on a Service)', () => {
  const annotated = (annotations: Record<string, string>) =>
    service('svc', { annotations: { 'konghq.com/override': 'ki', ...annotations } });

  it('its upstream section is copied onto the Kong upstream, with the deprecation warning', () => {
    const { config, errors } = run([
      ingress('web'),
      annotated({}),
      kongIngress('ki', {
        upstream: {
          algorithm: 'least-connections',
          slots: 100,
          hash_on: 'header',
          hash_on_header: 'x-user',
          bogus: 1,
        },
        proxy: { retries: 1 },
      }),
    ]);
    expect(config.upstreams?.[0]).toMatchObject({
      algorithm: 'least-connections',
      slots: 100,
      hash_on: 'header',
      hash_on_header: 'x-user',
    });
    expect(config.upstreams?.[0]).not.toHaveProperty('bogus');
    // The proxy section is not applied (KIC 3.x removed it): the Kong service keeps its defaults.
    expect(services(config)[0]?.retries).toBe(5);
    expect(errorsFor(errors, 'Service', 'svc').map((e) => e.reason)).toContain(
      'Service uses deprecated konghq.com/override annotation and KongIngress, migrate to konghq.com/upstream-policy and KongUpstreamPolicy',
    );
    expect(errorsFor(errors, 'KongIngress', 'ki').map((e) => e.reason)).toEqual([
      'KongIngress is deprecated: migrate to KongUpstreamPolicy and annotations (its upstream section is still applied, as KIC 3.x does)',
      'KongIngress proxy section is not applied (removed in KIC 3.x); use the Service or Ingress annotations',
    ]);
  });

  it('KongUpstreamPolicy wins over it; the host-header annotation over its host_header', () => {
    const policy = {
      apiVersion: 'configuration.konghq.com/v1beta1',
      kind: 'KongUpstreamPolicy',
      metadata: { name: 'p', namespace: 'default' },
      spec: { algorithm: 'round-robin' },
    };
    const { config, errors } = run([
      ingress('web'),
      annotated({ 'konghq.com/upstream-policy': 'p', 'konghq.com/host-header': 'from-annotation' }),
      kongIngress('ki', { upstream: { algorithm: 'least-connections', host_header: 'from-ki', slots: 10 } }),
      policy,
    ]);
    expect(config.upstreams?.[0]).toMatchObject({
      algorithm: 'round-robin',
      host_header: 'from-annotation',
      slots: 10,
    });
    expect(errorsFor(errors, 'Service', 'svc')[0]?.reason).toContain(
      'should use only konghq.com/upstream-policy',
    );
  });

  it('a missing KongIngress is reported on the Service and the upstream keeps its defaults', () => {
    const { config, errors } = run([ingress('web'), annotated({})]);
    expect(config.upstreams?.[0]).not.toHaveProperty('slots');
    expect(errorsFor(errors, 'Service', 'svc').map((e) => e.reason)).toContain(
      'failed to get KongIngress: KongIngress default/ki not found',
    );
  });
});
