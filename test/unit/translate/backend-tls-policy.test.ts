import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { translate } from '../../../kong/translate/index.ts';
import { configMapReferencesOf, secretReferencesOf } from '../../../kong/translate/secret-references.ts';
import { service, TEST_CERT } from './helpers.ts';

const run = (objects: unknown[]) => translate(objects);

type Obj = Record<string, unknown>;
const GW = 'gateway.networking.k8s.io/v1';
const KIC = 'konghq.com/kic-gateway-controller';
const NS = 'default';

const objects = (): Obj[] => [
  {
    apiVersion: GW,
    kind: 'GatewayClass',
    metadata: { name: 'kong', generation: 1 },
    spec: { controllerName: KIC },
  },
  {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'kong', namespace: NS, generation: 1 },
    spec: { gatewayClassName: 'kong', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  },
  {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: NS, generation: 1 },
    spec: {
      parentRefs: [{ name: 'kong' }],
      rules: [{ backendRefs: [{ kind: 'Service', name: 'svc', port: 443 }] }],
    },
  },
  service('svc', { ports: [{ port: 443, name: 'https' }], uid: 'svc-uid' }),
];

const uidFor = (name: string) =>
  `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padStart(12, '0').slice(-12)}`;
const CA_UID = uidFor('ca');
const SECRET_UID = '5ec2e700-0000-4000-8000-000000000001';

function caConfigMap(name: string, data: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, uid: uidFor(name) }, data };
}

function policy(
  name: string,
  validation: Obj,
  extra: { generation?: number; created?: string; target?: Obj } = {},
): Obj {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: {
      name,
      namespace: NS,
      generation: extra.generation ?? 4,
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
    },
    spec: { targetRefs: [extra.target ?? { group: '', kind: 'Service', name: 'svc' }], validation },
  };
}

const caRef = (name: string, kind = 'ConfigMap', group = '') => ({ group, kind, name });

describe('BackendTLSPolicy', () => {
  it('turns the Kong service of a targeted Service into a verified https service with the CA certificate', () => {
    const result = run([
      ...objects(),
      caConfigMap('ca', { 'ca.crt': TEST_CERT }),
      policy('tls', { caCertificateRefs: [caRef('ca')], hostname: 'backend.example' }),
    ]);
    const svc = result.config.services?.[0];
    expect(svc).toMatchObject({
      protocol: 'https',
      tls_verify: true,
      ca_certificates: [CA_UID],
      port: 443,
    });
    expect(result.config.ca_certificates).toEqual([
      {
        id: CA_UID,
        cert: TEST_CERT.trim(),
        tags: expect.arrayContaining(['k8s-kind:ConfigMap', 'k8s-name:ca']),
      },
    ]);
    expect(result.config.upstreams?.[0]?.host_header).toBe('backend.example');
    expect(validateDeclarativeConfig(result.config)).toMatchObject({ ok: true });
    expect(result.gatewayAPI.backendTLSPolicies).toEqual([
      {
        ref: expect.objectContaining({ kind: 'BackendTLSPolicy', namespace: NS, name: 'tls' }),
        ancestors: [
          {
            ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: NS, name: 'kong' },
            controllerName: KIC,
            conditions: [
              expect.objectContaining({
                type: 'Accepted',
                status: 'True',
                reason: 'Accepted',
                observedGeneration: 4,
              }),
              expect.objectContaining({ type: 'ResolvedRefs', status: 'True', observedGeneration: 4 }),
            ],
          },
        ],
      },
    ]);
  });

  it("uses the ConfigMap's id field as the CA id when it has one, and takes Secrets with ca.crt", () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ca-secret', namespace: NS, uid: SECRET_UID },
      data: { 'ca.crt': Buffer.from(TEST_CERT).toString('base64') },
    };
    const result = run([
      ...objects(),
      caConfigMap('ca', { id: 'my-id', 'ca.crt': TEST_CERT }),
      secret,
      policy('tls', {
        caCertificateRefs: [caRef('ca'), caRef('ca-secret', 'Secret')],
        hostname: 'b.example',
      }),
    ]);
    // The same PEM twice is one Kong CA certificate per id.
    expect(result.config.services?.[0]?.ca_certificates).toEqual(['my-id', SECRET_UID]);
    expect(result.secretValues.has(TEST_CERT.trim())).toBe(true);
  });

  it('wellKnownCACertificates System: verification against the system trust store, no ca_certificates', () => {
    const result = run([
      ...objects(),
      policy('tls', { wellKnownCACertificates: 'System', hostname: 'b.example' }),
    ]);
    const svc = result.config.services?.[0];
    expect(svc).toMatchObject({ protocol: 'https', tls_verify: true });
    expect(svc?.ca_certificates).toBeUndefined();
  });

  it('refs that all fail: not applied, Accepted=False NoValidCACertificate and ResolvedRefs=False with the reason', () => {
    for (const [ref, reason] of [
      [caRef('missing'), 'InvalidCACertificateRef'],
      [caRef('ca', 'Bundle', 'trust.cert-manager.io'), 'InvalidKind'],
    ] as const) {
      const result = run([
        ...objects(),
        caConfigMap('ca', { 'ca.crt': TEST_CERT }),
        policy('tls', { caCertificateRefs: [ref], hostname: 'b' }),
      ]);
      expect(result.config.services?.[0]?.protocol).toBe('http');
      expect(result.config.services?.[0]?.tls_verify).toBeUndefined();
      const conditions = result.gatewayAPI.backendTLSPolicies?.[0]?.ancestors[0]?.conditions;
      expect(conditions).toEqual([
        expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NoValidCACertificate' }),
        expect.objectContaining({ type: 'ResolvedRefs', status: 'False', reason }),
      ]);
    }
  });

  it('one good ref and one bad: applied with the good one, ResolvedRefs=False', () => {
    const result = run([
      ...objects(),
      caConfigMap('ca', { 'ca.crt': TEST_CERT }),
      caConfigMap('not-pem', { 'ca.crt': 'nope' }),
      policy('tls', { caCertificateRefs: [caRef('ca'), caRef('not-pem')], hostname: 'b' }),
    ]);
    expect(result.config.services?.[0]?.ca_certificates).toEqual([CA_UID]);
    expect(result.gatewayAPI.backendTLSPolicies?.[0]?.ancestors[0]?.conditions).toEqual([
      expect.objectContaining({ type: 'Accepted', status: 'True' }),
      expect.objectContaining({ type: 'ResolvedRefs', status: 'False', reason: 'InvalidCACertificateRef' }),
    ]);
  });

  it('two policies on one Service: the older wins, the other is Accepted=False Conflicted', () => {
    const result = run([
      ...objects(),
      caConfigMap('ca', { 'ca.crt': TEST_CERT }),
      caConfigMap('ca2', { 'ca.crt': TEST_CERT }),
      policy(
        'young',
        { caCertificateRefs: [caRef('ca2')], hostname: 'young' },
        { created: '2026-02-01T00:00:00Z' },
      ),
      policy('old', { caCertificateRefs: [caRef('ca')], hostname: 'old' }),
    ]);
    expect(result.config.services?.[0]?.ca_certificates).toEqual([CA_UID]);
    expect(result.config.upstreams?.[0]?.host_header).toBe('old');
    const young = result.gatewayAPI.backendTLSPolicies?.find((p) => p.ref.name === 'young');
    expect(young?.ancestors[0]?.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'False',
      reason: 'Conflicted',
    });
  });

  it('a sectionName that is not the port the route uses leaves the service alone', () => {
    const result = run([
      ...objects(),
      caConfigMap('ca', { 'ca.crt': TEST_CERT }),
      policy(
        'tls',
        { caCertificateRefs: [caRef('ca')], hostname: 'b' },
        {
          target: { group: '', kind: 'Service', name: 'svc', sectionName: 'other' },
        },
      ),
    ]);
    expect(result.config.services?.[0]?.protocol).toBe('http');
    expect(result.gatewayAPI.backendTLSPolicies ?? []).toEqual([]);
  });

  it('a policy on a Service no route of ours uses gets no verdict (no status is written to it)', () => {
    const result = run([
      ...objects(),
      service('lonely'),
      policy(
        'tls',
        { wellKnownCACertificates: 'System', hostname: 'b' },
        { target: { group: '', kind: 'Service', name: 'lonely' } },
      ),
    ]);
    expect(result.gatewayAPI.backendTLSPolicies ?? []).toEqual([]);
  });

  it('the referenced ConfigMaps and Secrets are the ones the controller stores', () => {
    const p = policy('tls', {
      caCertificateRefs: [caRef('ca'), caRef('s', 'Secret'), caRef('x', 'Bundle', 'x.io')],
    });
    expect(configMapReferencesOf(p as never)).toEqual([`${NS}/ca`]);
    expect(secretReferencesOf(p as never)).toEqual([`${NS}/s`]);
  });
});
