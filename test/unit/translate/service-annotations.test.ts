import { describe, expect, it } from 'vitest';
import { errorsFor, ingress, onlyService, run, secret, service, TEST_CERT, TEST_KEY } from './helpers.ts';

function serviceWith(annotations: Record<string, string>, extra: unknown[] = []) {
  const { config, errors } = run([ingress('i'), service('svc', { annotations }), ...extra]);
  return { config, service: onlyService(config), errors: errorsFor(errors, 'Service', 'svc'), all: errors };
}

describe('Service annotations', () => {
  it.each([
    ['konghq.com/protocol', 'https', { protocol: 'https' }],
    ['konghq.com/path', '/base', { path: '/base' }],
    ['konghq.com/connect-timeout', '1000', { connect_timeout: 1000 }],
    ['konghq.com/read-timeout', '2000', { read_timeout: 2000 }],
    ['konghq.com/write-timeout', '3000', { write_timeout: 3000 }],
    ['konghq.com/retries', '0', { retries: 0 }],
    ['konghq.com/tls-verify', 'true', { tls_verify: true }],
    ['konghq.com/tls-verify-depth', '2', { tls_verify_depth: 2 }],
  ])('%s: %s', (key, value, expected) => {
    const { service: svc, errors } = serviceWith({ [key]: value });
    expect(svc).toMatchObject(expected);
    expect(errors).toEqual([]);
  });

  it.each([
    ['konghq.com/protocol', 'ftp', 'protocol', 'http'],
    ['konghq.com/path', 'relative', 'path', '/'],
    ['konghq.com/connect-timeout', '10s', 'connect_timeout', 60000],
    ['konghq.com/retries', 'many', 'retries', 5],
    ['konghq.com/tls-verify', 'perhaps', 'tls_verify', undefined],
    ['konghq.com/tls-verify-depth', '-1', 'tls_verify_depth', undefined],
  ])('malformed %s=%s is ignored and reported on the Service', (key, value, field, kept) => {
    const { service: svc, errors } = serviceWith({ [key]: value });
    expect((svc as unknown as Record<string, unknown>)[field]).toEqual(kept);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.reason).toContain(key);
  });

  it('grpc protocols remove the service path', () => {
    expect(serviceWith({ 'konghq.com/protocol': 'grpcs' }).service.path).toBeUndefined();
  });

  it('konghq.com/host-header sets the upstream host_header', () => {
    expect(
      serviceWith({ 'konghq.com/host-header': 'internal.example' }).config.upstreams?.[0]?.host_header,
    ).toBe('internal.example');
  });

  it('konghq.com/client-cert references the Secret by uid and emits the certificate', () => {
    const s = secret(
      'cc',
      { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
      { uid: '11111111-2222-4333-8444-555555555555' },
    );
    const { service: svc, config } = serviceWith(
      { 'konghq.com/protocol': 'https', 'konghq.com/client-cert': 'cc' },
      [s],
    );
    expect(svc.client_certificate).toEqual({ id: '11111111-2222-4333-8444-555555555555' });
    expect(config.certificates?.[0]?.id).toBe('11111111-2222-4333-8444-555555555555');
    const http = serviceWith({ 'konghq.com/client-cert': 'cc' }, [s]);
    expect(http.service.client_certificate).toBeUndefined();
    expect(http.errors[0]?.reason).toContain('incompatible service protocol');
  });

  it('konghq.com/ca-certificates-secrets needs tls-verify and lists the CA ids', () => {
    const ca = secret('ca', { id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', cert: TEST_CERT });
    const ok = serviceWith(
      {
        'konghq.com/protocol': 'https',
        'konghq.com/tls-verify': 'true',
        'konghq.com/ca-certificates-secrets': 'ca',
      },
      [ca],
    );
    expect(ok.service.ca_certificates).toEqual(['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee']);
    const noVerify = serviceWith(
      { 'konghq.com/protocol': 'https', 'konghq.com/ca-certificates-secrets': 'ca' },
      [ca],
    );
    expect(noVerify.service.ca_certificates).toBeUndefined();
    expect(noVerify.errors[0]?.reason).toContain('TLS verification');
  });

  it('konghq.com/upstream-policy applies a KongUpstreamPolicy; missing or invalid policies are reported', () => {
    const policy = {
      apiVersion: 'configuration.konghq.com/v1beta1',
      kind: 'KongUpstreamPolicy',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        algorithm: 'consistent-hashing',
        slots: 100,
        hashOn: { header: 'x-user' },
        hashOnFallback: { input: 'ip' },
        healthchecks: {
          threshold: 50,
          passive: { healthy: { successes: 3 }, unhealthy: { tcpFailures: 2 } },
        },
      },
    };
    const ok = serviceWith({ 'konghq.com/upstream-policy': 'p' }, [policy]);
    expect(ok.config.upstreams?.[0]).toMatchObject({
      algorithm: 'consistent-hashing',
      slots: 100,
      hash_on: 'header',
      hash_on_header: 'x-user',
      hash_fallback: 'ip',
      healthchecks: { threshold: 50, passive: { healthy: { successes: 3 }, unhealthy: { tcp_failures: 2 } } },
    });
    const missing = serviceWith({ 'konghq.com/upstream-policy': 'nope' });
    expect(missing.errors[0]?.reason).toContain('KongUpstreamPolicy "nope" not found');
    expect(missing.config.upstreams?.[0]?.algorithm).toBe('round-robin');
    const bad = { ...policy, spec: { algorithm: 'random' } };
    const invalid = serviceWith({ 'konghq.com/upstream-policy': 'p' }, [bad]);
    expect(errorsFor(invalid.all, 'KongUpstreamPolicy', 'p')[0]?.reason).toContain('spec.algorithm');
    expect(invalid.config.upstreams?.[0]?.algorithm).toBe('round-robin');
  });

  it('multi-Service backends with inconsistent konghq.com annotations drop the Kong service', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'default' },
      spec: {
        rules: [
          {
            backendRefs: [
              { kind: 'Service', name: 'a', port: 80 },
              { kind: 'Service', name: 'b', port: 80 },
            ],
          },
        ],
      },
    };
    const { config, errors } = run([
      route,
      service('a', { annotations: { 'konghq.com/retries': '1' } }),
      service('b'),
    ]);
    expect(config.services).toBeUndefined();
    expect(errorsFor(errors, 'Service', 'a')[0]?.reason).toContain('inconsistent konghq.com/retries');
  });
});
