import { describe, expect, it } from 'vitest';
import { configMapReferencesOf } from '../../../kong/translate/secret-references.ts';
import { ingress, run, service } from './helpers.ts';
import { TEST_CERT } from './test-certs.ts';

const ID = '8a4bbe5c-4a0c-4bd6-9a4e-0e0f26b4e8a3';
const CLASS = { 'kubernetes.io/ingress.class': 'kong' };

function configMap(name: string, data: Record<string, string>, labels = { 'konghq.com/ca-cert': 'true' }) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels, annotations: CLASS },
    data,
  };
}

describe('CA certificate ConfigMaps', () => {
  it('labelled ConfigMaps of our class → ca_certificates (cert, else ca.crt), tagged with the ConfigMap', () => {
    for (const key of ['cert', 'ca.crt']) {
      const { config, errors } = run([configMap('ca', { id: ID, [key]: TEST_CERT })]);
      expect(errors).toEqual([]);
      expect(config.ca_certificates).toEqual([
        {
          id: ID,
          cert: TEST_CERT.trim(),
          tags: expect.arrayContaining(['k8s-kind:ConfigMap', 'k8s-name:ca']),
        },
      ]);
    }
  });

  it('an unlabelled ConfigMap, or one of another class, is no CA certificate', () => {
    const unlabelled = configMap('plain', { id: ID, cert: TEST_CERT }, {} as never);
    const other = { ...configMap('other', { id: ID, cert: TEST_CERT }) };
    other.metadata = { ...other.metadata, annotations: { 'kubernetes.io/ingress.class': 'nginx' } };
    expect(run([unlabelled, other]).config.ca_certificates).toBeUndefined();
  });

  it('a ConfigMap without id or certificate, or with no PEM, is left out with the reason', () => {
    const cases: [Record<string, string>, string][] = [
      [{ cert: TEST_CERT }, '"id" data field is missing'],
      [{ id: ID }, 'neither a "cert" nor a "ca.crt"'],
      [{ id: ID, cert: 'not a certificate' }, 'not a PEM certificate'],
    ];
    for (const [data, reason] of cases) {
      const { config, errors, rejected } = run([configMap('ca', data)]);
      expect(config.ca_certificates).toBeUndefined();
      expect(errors).toEqual([
        expect.objectContaining({
          object: expect.objectContaining({ kind: 'ConfigMap', name: 'ca' }),
          reason: expect.stringContaining(reason),
        }),
      ]);
      expect(rejected).toEqual([expect.objectContaining({ kind: 'ConfigMap', name: 'ca' })]);
    }
  });

  it('konghq.com/ca-certificates-configmaps on a Service resolves to the ConfigMap id', () => {
    const svc = service('svc', {
      annotations: {
        'konghq.com/protocol': 'https',
        'konghq.com/tls-verify': 'true',
        'konghq.com/ca-certificates-configmaps': 'ca',
      },
    });
    const { config } = run([ingress('i'), svc, configMap('ca', { id: ID, cert: TEST_CERT })]);
    expect(config.services?.[0]?.ca_certificates).toEqual([ID]);
    expect(config.ca_certificates?.map((c) => c.id)).toEqual([ID]);
  });

  it('the ConfigMaps a Service references, for the watch gate', () => {
    const svc = service('svc', {
      ns: 'shop',
      annotations: { 'konghq.com/ca-certificates-configmaps': ' a, b ,,a' },
    });
    expect(configMapReferencesOf(svc as never)).toEqual(['shop/a', 'shop/b']);
    expect(configMapReferencesOf(ingress('i') as never)).toEqual([]);
  });
});
