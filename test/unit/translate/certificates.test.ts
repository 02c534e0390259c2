import { describe, expect, it } from 'vitest';
import { buildWithFallback } from '../../../kong/translate/index.ts';
import { errorsFor, ingress, OTHER_KEY, run, secret, service, TEST_CERT, TEST_KEY } from './helpers.ts';

const UID_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const UID_B = 'bbbbbbbb-0000-4000-8000-000000000002';

function tlsIngress(name: string, tls: Array<{ hosts: string[]; secretName: string }>) {
  return ingress(name, { host: 'a.example.com', extraSpec: { tls } });
}

describe('Ingress TLS → certificates and SNIs', () => {
  it('one certificate per Secret, id = Secret uid, PEM trimmed, SNIs sorted and linked', () => {
    const { config, errors } = run([
      tlsIngress('i', [{ hosts: ['b.example.com', 'a.example.com'], secretName: 'tls' }]),
      service('svc'),
      secret('tls', { 'tls.crt': `\n${TEST_CERT}\n\n`, 'tls.key': TEST_KEY }, { uid: UID_A }),
    ]);
    expect(errors).toEqual([]);
    expect(config.certificates).toEqual([
      {
        id: UID_A,
        cert: TEST_CERT,
        key: TEST_KEY,
        snis: [
          { name: 'a.example.com', certificate: { id: UID_A } },
          { name: 'b.example.com', certificate: { id: UID_A } },
        ],
        tags: [
          'k8s-name:tls',
          'k8s-namespace:default',
          'k8s-kind:Secret',
          `k8s-uid:${UID_A}`,
          'k8s-version:v1',
        ],
      },
    ]);
  });

  it('a host claimed by two Secrets goes to the first; identical pairs collapse to the smallest uid', () => {
    const { config } = run([
      tlsIngress('i', [
        { hosts: ['x.example.com'], secretName: 'two' },
        { hosts: ['x.example.com', 'y.example.com'], secretName: 'one' },
      ]),
      service('svc'),
      secret('one', { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY }, { uid: UID_B }),
      secret('two', { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY }, { uid: UID_A }),
    ]);
    expect(config.certificates).toHaveLength(1);
    expect(config.certificates?.[0]?.id).toBe(UID_A);
    expect(config.certificates?.[0]?.snis?.map((s) => s.name)).toEqual(['x.example.com', 'y.example.com']);
  });

  it.each([
    ['a key that does not match', { 'tls.crt': TEST_CERT, 'tls.key': OTHER_KEY }, 'does not match'],
    ['garbage certificate', { 'tls.crt': 'not a cert', 'tls.key': TEST_KEY }, 'not a PEM certificate'],
    ['garbage key', { 'tls.crt': TEST_CERT, 'tls.key': 'not a key' }, 'not a PEM private key'],
    ['missing key', { 'tls.crt': TEST_CERT }, 'tls.key is missing'],
  ])(
    '%s: no certificate, the Secret is reported, routes still ship, no key material in errors',
    (_l, data, reason) => {
      const { config, errors } = run([
        tlsIngress('i', [{ hosts: ['a.example.com'], secretName: 'tls' }]),
        service('svc'),
        secret('tls', data, { uid: UID_A }),
      ]);
      expect(config.certificates).toBeUndefined();
      expect(config.services).toHaveLength(1);
      expect(errorsFor(errors, 'Secret', 'tls')[0]?.reason).toContain(reason);
      expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('certificate not configured');
      expect(JSON.stringify(errors)).not.toContain('PRIVATE KEY');
    },
  );

  it.each([
    ['tls.key missing', { 'tls.crt': TEST_CERT }, 'tls.key is missing'],
    ['tls.crt missing', { 'tls.key': TEST_KEY }, 'tls.crt is missing'],
    ['tls.crt empty', { 'tls.crt': '  \n', 'tls.key': TEST_KEY }, 'tls.crt is empty'],
    ['tls.key empty', { 'tls.crt': TEST_CERT, 'tls.key': '' }, 'tls.key is empty'],
    [
      'certificate PEM that does not parse',
      { 'tls.crt': TEST_CERT.replace(/[A-Za-z]{8}/, '********'), 'tls.key': TEST_KEY },
      'tls.crt is not a PEM certificate',
    ],
    ['a key in tls.crt', { 'tls.crt': TEST_KEY, 'tls.key': TEST_KEY }, 'tls.crt is not a PEM certificate'],
    [
      'a certificate in tls.key',
      { 'tls.crt': TEST_CERT, 'tls.key': TEST_CERT },
      'tls.key is not a PEM private key',
    ],
    [
      'a key of another pair',
      { 'tls.crt': TEST_CERT, 'tls.key': OTHER_KEY },
      'the key does not match the certificate',
    ],
  ])('through the fallback build, %s is reported as what it is, not as "not found"', (_l, data, problem) => {
    const result = buildWithFallback([
      tlsIngress('i', [{ hosts: ['a.example.com'], secretName: 'tls' }]),
      service('svc'),
      secret('tls', data, { uid: UID_A }),
    ]);
    expect(result.valid).toBe(true);
    expect(result.config.certificates).toBeUndefined();
    expect(result.config.services).toHaveLength(1);
    expect(errorsFor(result.errors, 'Secret', 'tls').map((e) => e.reason)).toEqual([
      `Secret default/tls: ${problem}; certificate not configured`,
    ]);
    expect(errorsFor(result.errors, 'Ingress', 'i').map((e) => e.reason)).toEqual([
      `TLS Secret default/tls is invalid (${problem}); certificate not configured`,
    ]);
    const text = JSON.stringify(result.errors);
    expect(text).not.toContain('not found');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('BEGIN');
  });

  it('an invalid client-cert Secret is reported on the Service, which ships without it', () => {
    const result = buildWithFallback([
      ingress('i', { host: 'a.example.com' }),
      service('svc', {
        annotations: { 'konghq.com/protocol': 'https', 'konghq.com/client-cert': 'cc' },
      }),
      secret('cc', { 'tls.crt': TEST_CERT, 'tls.key': OTHER_KEY }, { uid: UID_A }),
    ]);
    expect(result.valid).toBe(true);
    expect(result.config.certificates).toBeUndefined();
    expect(result.config.services?.[0]?.client_certificate).toBeUndefined();
    expect(result.config.services?.[0]?.routes).toHaveLength(1);
    expect(errorsFor(result.errors, 'Service', 'svc').map((e) => e.reason)).toEqual([
      'client certificate Secret default/cc is invalid (the key does not match the certificate); ignored',
    ]);
    expect(errorsFor(result.errors, 'Secret', 'cc')[0]?.reason).toBe(
      'Secret default/cc: the key does not match the certificate; certificate not configured',
    );
  });

  it('TLS hosts that are not valid SNIs are ignored and reported', () => {
    const { config, errors } = run([
      tlsIngress('i', [{ hosts: ['ok.example.com', 'bad host'], secretName: 'tls' }]),
      service('svc'),
      secret('tls', { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY }, { uid: UID_A }),
    ]);
    expect(config.certificates?.[0]?.snis?.map((s) => s.name)).toEqual(['ok.example.com']);
    expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('"bad host" is not a valid SNI');
  });

  it('a missing TLS Secret is reported on the Ingress', () => {
    const { errors } = run([
      tlsIngress('i', [{ hosts: ['a.example.com'], secretName: 'nope' }]),
      service('svc'),
    ]);
    expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('TLS Secret default/nope not found');
  });

  it('CA certificate Secrets (label konghq.com/ca-cert, class annotation) → ca_certificates', () => {
    const ca = secret(
      'ca',
      { id: UID_A, cert: TEST_CERT },
      { labels: { 'konghq.com/ca-cert': 'true' }, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
    );
    expect(run([ca]).config.ca_certificates).toEqual([
      { id: UID_A, cert: TEST_CERT, tags: expect.arrayContaining(['k8s-kind:Secret']) },
    ]);
    const bad = secret(
      'ca',
      { id: UID_A, cert: 'nope' },
      { labels: { 'konghq.com/ca-cert': 'true' }, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
    );
    const result = run([bad]);
    expect(result.config.ca_certificates).toBeUndefined();
    expect(errorsFor(result.errors, 'Secret', 'ca')[0]?.reason).toContain('not a PEM certificate');
  });
});
