import { describe, expect, it } from 'vitest';
import { endpointSlice, httpRoute, ingress, run, service } from './helpers.ts';

function ingressClass(parameters?: Record<string, unknown>, name = 'kong') {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name },
    spec: { controller: 'ingress-controllers.konghq.com/kong', ...(parameters ? { parameters } : {}) },
  };
}

const PARAMS_REF = {
  apiGroup: 'configuration.konghq.com',
  kind: 'IngressClassParameters',
  name: 'params',
  namespace: 'kong',
  scope: 'Namespace',
};

function params(spec: Record<string, unknown>, ns = 'kong', name = 'params') {
  return {
    apiVersion: 'configuration.konghq.com/v1alpha1',
    kind: 'IngressClassParameters',
    metadata: { name, namespace: ns },
    spec,
  };
}

const backends = [
  service('svc', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
  endpointSlice('s1', 'svc', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]),
];

describe('IngressClassParameters of our IngressClass', () => {
  it('serviceUpstream: true gives one target, the Service DNS name and port, instead of the endpoints', () => {
    const { config, errors } = run([
      ingress('i'),
      ...backends,
      ingressClass(PARAMS_REF),
      params({ serviceUpstream: true }),
    ]);
    expect(errors).toEqual([]);
    expect(config.upstreams?.[0]?.targets).toEqual([{ target: 'svc.default.svc:80' }]);
  });

  it('serviceUpstream reaches every upstream, Gateway API backends included (KIC reads it in getServiceEndpoints)', () => {
    const { config } = run([
      httpRoute('r', [{ backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }] }]),
      ...backends,
      ingressClass(PARAMS_REF),
      params({ serviceUpstream: true }),
    ]);
    expect(config.upstreams?.map((u) => u.targets)).toEqual([[{ target: 'svc.default.svc:80' }]]);
  });

  it('serviceUpstream: false, no parameters, or parameters of another class keep the endpoint targets', () => {
    const pods = [{ target: '10.0.0.2:8080' }, { target: '10.0.0.1:8080' }]; // in Kong's target order
    for (const objects of [
      [ingressClass(PARAMS_REF), params({ serviceUpstream: false })],
      [ingressClass()],
      [ingressClass(PARAMS_REF, 'other'), params({ serviceUpstream: true })],
      [],
    ]) {
      const { config } = run([ingress('i'), ...backends, ...objects]);
      expect(config.upstreams?.[0]?.targets).toEqual(pods);
    }
  });

  it('a reference KIC would not follow gives the defaults and says why on the IngressClass', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...PARAMS_REF, apiGroup: 'example.com' }, 'must name a IngressClassParameters of group'],
      [{ ...PARAMS_REF, kind: 'ConfigMap' }, 'must be of kind IngressClassParameters'],
      [{ ...PARAMS_REF, namespace: undefined, scope: 'Cluster' }, 'must name a namespaced'],
      [{ ...PARAMS_REF, name: 'missing' }, 'IngressClassParameters kong/missing not found'],
    ];
    for (const [ref, reason] of cases) {
      const { config, errors } = run([
        ingress('i'),
        ...backends,
        ingressClass(ref),
        params({ serviceUpstream: true }),
      ]);
      expect(config.upstreams?.[0]?.targets).toHaveLength(2);
      expect(errors).toEqual([
        expect.objectContaining({
          object: expect.objectContaining({ kind: 'IngressClass', name: 'kong' }),
          reason: expect.stringContaining(reason),
          dropped: false,
        }),
      ]);
    }
  });

  it('enableLegacyRegexDetection prefixes paths Kong 2.x read as regexes with ~, and only those', () => {
    const paths = (legacy: boolean) => {
      const objects = [
        ingress('regex', { path: '/api/v[0-9]+/users', pathType: 'ImplementationSpecific' }),
        ingress('plain', { path: '/plain-path_1.0/~x%20', pathType: 'ImplementationSpecific' }),
        ingress('already', { path: '~/already$', pathType: 'ImplementationSpecific' }),
        ingress('prefix', { path: '/pre', pathType: 'Prefix' }),
        ...backends,
        ingressClass(PARAMS_REF),
        params({ enableLegacyRegexDetection: legacy }),
      ];
      const { config } = run(objects);
      return Object.fromEntries(
        (config.services ?? []).flatMap((s) => (s.routes ?? []).map((r) => [r.name.split('.')[1], r.paths])),
      );
    };
    expect(paths(true)).toEqual({
      regex: ['~/api/v[0-9]+/users'],
      plain: ['/plain-path_1.0/~x%20'],
      already: ['~/already$'],
      prefix: ['/pre/', '~/pre$'],
    });
    expect(paths(false).regex).toEqual(['/api/v[0-9]+/users']);
  });
});
