import { describe, expect, it } from 'vitest';
import { endpointSlice, httpRoute, ingress, run, service } from './helpers.ts';

describe('EndpointSlices → targets', () => {
  it('ready endpoints of slice ports named like the Service port become targets; not-ready ones are skipped', () => {
    const { config } = run([
      ingress('i'),
      service('svc', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      endpointSlice('s1', 'svc', [
        { addresses: ['10.0.0.2'], conditions: { ready: true } },
        { addresses: ['10.0.0.1'] },
        { addresses: ['10.0.0.3'], conditions: { ready: false } },
        { addresses: ['10.0.0.2'], conditions: { ready: true } },
      ]),
      endpointSlice('other-port', 'svc', [{ addresses: ['10.0.0.9'] }], [{ name: 'metrics', port: 9090 }]),
      endpointSlice('other-svc', 'svc2', [{ addresses: ['10.0.0.8'] }]),
    ]);
    expect(config.upstreams?.[0]?.targets).toEqual([
      { target: '10.0.0.2:8080' },
      { target: '10.0.0.1:8080' },
    ]);
  });

  it('brackets IPv6 addresses', () => {
    const { config } = run([
      ingress('i'),
      service('svc'),
      endpointSlice('s', 'svc', [{ addresses: ['fd00::1'] }]),
    ]);
    expect(config.upstreams?.[0]?.targets).toEqual([{ target: '[fd00::1]:8080' }]);
  });

  it('ingress.kubernetes.io/service-upstream targets the Service DNS name; ExternalName its external name', () => {
    const upstream = run([
      ingress('i'),
      service('svc', { annotations: { 'ingress.kubernetes.io/service-upstream': 'true' } }),
    ]).config.upstreams?.[0];
    expect(upstream?.targets).toEqual([{ target: 'svc.default.svc:80' }]);
    const external = run([
      ingress('i'),
      service('svc', { ports: [], spec: { type: 'ExternalName', externalName: 'db.example.org' } }),
    ]).config;
    expect(external.upstreams?.[0]?.targets).toEqual([{ target: 'db.example.org:80' }]);
  });

  it('splits HTTPRoute backend weights across targets (minimum 1, 0 stays 0)', () => {
    const route = httpRoute('r', [
      {
        backendRefs: [
          { kind: 'Service', name: 'a', port: 80, weight: 90 },
          { kind: 'Service', name: 'b', port: 80, weight: 0 },
        ],
      },
    ]);
    const { config } = run([
      route,
      service('a'),
      service('b'),
      endpointSlice('sa', 'a', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }]),
      endpointSlice('sb', 'b', [{ addresses: ['10.0.1.1'] }]),
    ]);
    expect(config.upstreams?.[0]?.targets).toEqual([
      { target: '10.0.1.1:8080', weight: 0 },
      { target: '10.0.0.2:8080', weight: 45 },
      { target: '10.0.0.1:8080', weight: 45 },
    ]);
  });
});

describe('endpoint and SNI hygiene (these Kong entities carry no tags to trace a rejection back)', () => {
  it('skips endpoint addresses that are neither IPs nor host names, reporting the EndpointSlice', () => {
    const { config, errors } = run([
      ingress('i'),
      service('svc'),
      endpointSlice('s', 'svc', [
        { addresses: ['10.0.0.1'] },
        { addresses: ['not an address!'] },
        { addresses: ['fd00::ab'] },
      ]),
    ]);
    expect(config.upstreams?.[0]?.targets?.map((t) => t.target)).toEqual([
      '[fd00::ab]:8080',
      '10.0.0.1:8080',
    ]);
    expect(errors.find((e) => e.object.kind === 'EndpointSlice')?.reason).toContain('"not an address!"');
  });
});

describe('drain support (enableDrainSupport, off by default as KIC)', () => {
  const objects = [
    ingress('i'),
    service('svc', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    endpointSlice('s1', 'svc', [
      { addresses: ['10.0.0.1'], conditions: { ready: true } },
      { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: false, terminating: true } },
      { addresses: ['10.0.0.4'], conditions: { ready: false } },
    ]),
  ];

  it('off: terminating endpoints are not targets', () => {
    expect(run(objects).config.upstreams?.[0]?.targets?.map((t) => t.target)).toEqual(['10.0.0.1:8080']);
  });

  it('on: terminating endpoints stay with weight 0, not-ready ones that are not terminating still leave', () => {
    const targets = run(objects, { enableDrainSupport: true }).config.upstreams?.[0]?.targets;
    expect(targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: '10.0.0.2:8080', weight: 0 }),
        expect.objectContaining({ target: '10.0.0.3:8080', weight: 0 }),
      ]),
    );
    expect(targets?.map((t) => t.target).sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    expect(targets?.find((t) => t.target === '10.0.0.1:8080')?.weight).not.toBe(0);
  });

  it('on: a service-upstream Service keeps its one DNS target', () => {
    const upstream = [
      ingress('i'),
      service('svc', { annotations: { 'ingress.kubernetes.io/service-upstream': 'true' } }),
      endpointSlice('s1', 'svc', [
        { addresses: ['10.0.0.2'], conditions: { ready: false, terminating: true } },
      ]),
    ];
    expect(run(upstream, { enableDrainSupport: true }).config.upstreams?.[0]?.targets).toEqual([
      { target: 'svc.default.svc:80' },
    ]);
  });
});
