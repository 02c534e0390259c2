import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  discoveredProxies,
  proxiesFromSlices,
  readinessChanges,
  staticProxies,
} from '../../../k8s/proxy-discovery.ts';

const service = { namespace: 'kong', name: 'kong-admin' };

function slice(overrides: Partial<V1EndpointSlice> & Pick<V1EndpointSlice, 'endpoints'>): V1EndpointSlice {
  return { addressType: 'IPv4', ports: [{ name: 'admin-tls', port: 8444 }], ...overrides };
}

describe('proxiesFromSlices', () => {
  it('gives one proxy per pod with KIC’s server name, dropping terminating endpoints and keeping not-ready ones', () => {
    const proxies = proxiesFromSlices(
      [
        slice({
          endpoints: [
            {
              addresses: ['10.0.0.1'],
              conditions: { ready: true },
              targetRef: { kind: 'Pod', name: 'kong-1', namespace: 'kong' },
            },
            {
              addresses: ['10.0.0.2'],
              conditions: { ready: false },
              targetRef: { kind: 'Pod', name: 'kong-2', namespace: 'kong' },
            },
            {
              addresses: ['10.0.0.3'],
              conditions: { ready: false, terminating: true },
              targetRef: { kind: 'Pod', name: 'kong-3' },
            },
          ],
        }),
      ],
      { service },
    );
    expect(proxies).toEqual([
      {
        id: 'kong-1',
        adminUrl: 'https://10.0.0.1:8444',
        source: 'EndpointSlice',
        podRef: { name: 'kong-1', namespace: 'kong' },
        serverName: 'pod.kong-admin.kong.svc',
      },
      {
        id: 'kong-2',
        adminUrl: 'https://10.0.0.2:8444',
        source: 'EndpointSlice',
        podRef: { name: 'kong-2', namespace: 'kong' },
        serverName: 'pod.kong-admin.kong.svc',
      },
    ]);
  });

  it('picks the admin port by name and ignores slices without it', () => {
    const proxies = proxiesFromSlices(
      [
        slice({ ports: [{ name: 'proxy', port: 8000 }], endpoints: [{ addresses: ['10.0.0.9'] }] }),
        slice({
          ports: [
            { name: 'proxy', port: 8000 },
            { name: 'kong-admin-tls', port: 8445 },
          ],
          endpoints: [{ addresses: ['10.0.0.4'] }],
        }),
      ],
      { service, serverName: 'kong.admin.internal' },
    );
    expect(proxies.map((p) => [p.id, p.adminUrl, p.serverName])).toEqual([
      ['10.0.0.4', 'https://10.0.0.4:8445', 'kong.admin.internal'],
    ]);
    const custom = proxiesFromSlices(
      [slice({ ports: [{ name: 'admin', port: 8001 }], endpoints: [{ addresses: ['10.0.0.5'] }] })],
      {
        service,
        portNames: ['admin'],
        scheme: 'http',
      },
    );
    expect(custom).toEqual([{ id: '10.0.0.5', adminUrl: 'http://10.0.0.5:8001', source: 'EndpointSlice' }]);
  });

  it('reaches a dual-stack pod over IPv4 once, and brackets IPv6-only addresses', () => {
    const pod = { kind: 'Pod', name: 'kong-1', namespace: 'kong' };
    const proxies = proxiesFromSlices(
      [
        slice({
          addressType: 'IPv6',
          endpoints: [
            { addresses: ['fd00::1'], targetRef: pod },
            { addresses: ['fd00::2'], targetRef: { ...pod, name: 'kong-2' } },
          ],
        }),
        slice({ endpoints: [{ addresses: ['10.0.0.1'], targetRef: pod }] }),
      ],
      { service },
    );
    expect(proxies.map((p) => p.adminUrl)).toEqual(['https://10.0.0.1:8444', 'https://[fd00::2]:8444']);
  });

  it('names static proxies after their host and port', () => {
    expect(staticProxies(['https://kong.example.com:8444', 'http://10.1.2.3'], 'admin.example')).toEqual([
      {
        id: 'kong-example-com-8444',
        adminUrl: 'https://kong.example.com:8444',
        source: 'Static',
        serverName: 'admin.example',
      },
      { id: '10-1-2-3-80', adminUrl: 'http://10.1.2.3', source: 'Static', serverName: 'admin.example' },
    ]);
  });
});

describe('readiness of discovered proxies', () => {
  const endpoint = (name: string, address: string, ready?: boolean) => ({
    addresses: [address],
    ...(ready === undefined ? {} : { conditions: { ready } }),
    targetRef: { kind: 'Pod', name, namespace: 'kong' },
  });

  it('reads each endpoint’s ready condition, unset meaning ready', () => {
    const found = discoveredProxies(
      [
        slice({
          endpoints: [
            endpoint('a', '10.0.0.1', true),
            endpoint('b', '10.0.0.2', false),
            endpoint('c', '10.0.0.3'),
          ],
        }),
      ],
      { service },
    );
    expect(found.map((p) => [p.endpoint.id, p.ready])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ]);
  });

  it('names known proxies whose readiness flipped either way, never newcomers or departed ones', () => {
    const before = new Map([
      ['a', true],
      ['b', false],
      ['gone', true],
    ]);
    const after = new Map([
      ['a', false],
      ['b', true],
      ['new', false],
    ]);
    expect(readinessChanges(before, after)).toEqual(['a', 'b']);
    expect(readinessChanges(after, after)).toEqual([]);
  });
});
