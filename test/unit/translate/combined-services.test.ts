import { describe, expect, it } from 'vitest';
import { errorsFor, httpRoute, run, service } from './helpers.ts';

// KIC's CombinedServicesFromDifferentHTTPRoutes (subtranslator/httproute.go groupRulesFromHTTPRoutesByKongServiceName):
// rules with the same backends, from every HTTPRoute of one namespace, share one Kong service named after the
// backends. Kong Operator turns it on by default, so a fleet migrated from it must keep those names.

const combined = { featureFlags: { CombinedServicesFromDifferentHTTPRoutes: true } };
const backend = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'Service',
  name,
  port: 80,
  ...extra,
});
const rule = (path: string, backends: unknown[], extra: Record<string, unknown> = {}) => ({
  matches: [{ path: { type: 'PathPrefix', value: path } }],
  backendRefs: backends,
  ...extra,
});

describe('CombinedServicesFromDifferentHTTPRoutes', () => {
  const objects = () => [
    httpRoute('a', [rule('/a', [backend('svc')]), rule('/other', [backend('other')])]),
    httpRoute('b', [rule('/b', [backend('svc')], { timeouts: { backendRequest: '5s' } })]),
    httpRoute('c', [rule('/c', [backend('svc')])], { ns: 'team' }),
    service('svc'),
    service('other'),
    service('svc', { ns: 'team' }),
  ];

  it('off (KIC default): one Kong service per HTTPRoute rule group', () => {
    const { config } = run(objects());
    expect(config.services?.map((s) => s.name).sort()).toEqual([
      'httproute.default.a.0',
      'httproute.default.a.1',
      'httproute.default.b.0',
      'httproute.team.c.0',
    ]);
  });

  it('on: rules with the same backends share a service across HTTPRoutes of a namespace, never across namespaces', () => {
    const { config, errors } = run(objects(), combined);
    expect(errors).toEqual([]);
    const byName = new Map(config.services?.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'httproute.default.svc.default.other.80',
      'httproute.default.svc.default.svc.80',
      'httproute.team.svc.team.svc.80',
    ]);
    const shared = byName.get('httproute.default.svc.default.svc.80');
    expect(shared?.host).toBe('httproute.default.svc.default.svc.80');
    // Routes keep their per-HTTPRoute names and tags, so plugins and status still find their HTTPRoute.
    expect(shared?.routes?.map((r) => r.name).sort()).toEqual([
      'httproute.default.a.0.0',
      'httproute.default.b.0.0',
    ]);
    expect(shared?.routes?.find((r) => r.name === 'httproute.default.b.0.0')?.tags).toContain('k8s-name:b');
    // A rule's timeout applies to the whole shared service (KIC: the last rule with a timeout wins).
    expect(shared?.read_timeout).toBe(5000);
    expect(config.upstreams?.map((u) => u.name).sort()).toEqual([...byName.keys()].sort());
  });

  it('on: the name lists every backend sorted, with port and weight', () => {
    const { config } = run(
      [
        httpRoute('w', [rule('/w', [backend('svc', { weight: 30 }), backend('other', { weight: 70 })])]),
        service('svc'),
        service('other'),
      ],
      combined,
    );
    expect(config.services?.map((s) => s.name)).toEqual([
      'httproute.default.svc.default.other.80.70_default.svc.80.30',
    ]);
  });

  it('on: an HTTPRoute that cannot be routed is left out alone; the others keep the shared service', () => {
    const broken = httpRoute('broken', [
      {
        matches: [
          { path: { type: 'PathPrefix', value: '/x' }, headers: [{ name: 'h', type: 'Bogus', value: 'v' }] },
        ],
        backendRefs: [backend('svc')],
      },
    ]);
    const { config, errors } = run(
      [broken, httpRoute('ok', [rule('/ok', [backend('svc')])]), service('svc')],
      combined,
    );
    expect(config.services?.[0]?.routes?.map((r) => r.name)).toEqual(['httproute.default.ok.0.0']);
    expect(errorsFor(errors, 'HTTPRoute', 'broken')[0]?.reason).toContain("HTTPRoute can't be routed");
  });
});
