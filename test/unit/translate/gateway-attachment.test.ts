import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import type { KongDeclarativeConfig } from '../../../kong/declarative.ts';
import { type SettingsOverrides, translate } from '../../../kong/translate/index.ts';
import { secret, service, TEST_CERT, TEST_KEY } from './helpers.ts';

type Obj = Record<string, unknown>;
const GW = 'gateway.networking.k8s.io/v1';
const KIC = 'konghq.com/kic-gateway-controller';

function gatewayClass(name: string, controllerName = KIC): Obj {
  return {
    apiVersion: GW,
    kind: 'GatewayClass',
    metadata: { name, generation: 1 },
    spec: { controllerName },
  };
}

function gateway(name: string, ns: string, listeners: Obj[], className = 'kong', generation = 3): Obj {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name, namespace: ns, generation },
    spec: { gatewayClassName: className, listeners },
  };
}

const http = (extra: Obj = {}): Obj => ({ name: 'http', port: 80, protocol: 'HTTP', ...extra });

function route(
  name: string,
  ns: string,
  parentRefs: Obj[] | undefined,
  opts: { hostnames?: string[]; backendRefs?: Obj[]; kind?: string; generation?: number } = {},
): Obj {
  const kind = opts.kind ?? 'HTTPRoute';
  return {
    apiVersion: kind === 'HTTPRoute' || kind === 'GRPCRoute' ? GW : 'gateway.networking.k8s.io/v1alpha2',
    kind,
    metadata: { name, namespace: ns, generation: opts.generation ?? 2 },
    spec: {
      ...(parentRefs ? { parentRefs } : {}),
      ...(opts.hostnames ? { hostnames: opts.hostnames } : {}),
      rules: [{ backendRefs: opts.backendRefs ?? [{ kind: 'Service', name: 'svc', port: 80 }] }],
    },
  };
}

function namespace(name: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function referenceGrant(ns: string, fromKind: string, fromNs: string, toKind: string): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: `allow-${fromNs}`, namespace: ns },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }],
      to: [{ group: '', kind: toKind }],
    },
  };
}

function build(objects: Obj[], settings: SettingsOverrides = {}) {
  return translate(objects, settings);
}

function routeNames(config: KongDeclarativeConfig): string[] {
  return (config.services ?? []).flatMap((s) => (s.routes ?? []).map((r) => r.name));
}

function parentsOf(result: ReturnType<typeof build>, name: string) {
  return result.gatewayAPI.routes.find((r) => r.ref.name === name)?.parents;
}

const base = (listeners: Obj[] = [http()]): Obj[] => [
  gatewayClass('kong'),
  gateway('kong', 'demo', listeners),
  service('svc', { ns: 'demo' }),
  service('svc', { ns: 'bad' }),
  service('svc', { ns: 'team' }),
];

describe('Gateway API attachment (spec mode)', () => {
  it('the hijack: a route in another namespace on a From: Same listener is refused and ships nothing', () => {
    const result = build([...base(), route('hijack-catalog', 'bad', [{ name: 'kong', namespace: 'demo' }])]);
    expect(routeNames(result.config)).toEqual([]);
    expect(parentsOf(result, 'hijack-catalog')).toEqual([
      {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'demo', name: 'kong' },
        controllerName: KIC,
        conditions: [
          expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }),
          expect.objectContaining({ type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' }),
        ],
      },
    ]);
    expect(result.errors).toContainEqual(
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'HTTPRoute', namespace: 'bad', name: 'hijack-catalog' }),
        dropped: true,
      }),
    );
  });

  it.each<[string, Obj[], Obj | undefined]>([
    [
      'parentRef to a Gateway that does not exist',
      [route('r', 'demo', [{ name: 'does-not-exist' }])],
      undefined,
    ],
    ['no parentRefs at all', [route('r', 'demo', undefined)], undefined],
    [
      'a Gateway of another GatewayClass',
      [
        gatewayClass('other', 'example.com/other-controller'),
        gateway('theirs', 'demo', [http({ allowedRoutes: { namespaces: { from: 'All' } } })], 'other'),
        route('r', 'demo', [{ name: 'theirs' }]),
      ],
      undefined,
    ],
    [
      'a parentRef of another kind (a Service, as meshes use)',
      [route('r', 'demo', [{ group: '', kind: 'Service', name: 'svc' }])],
      undefined,
    ],
  ])('%s: not ours, nothing shipped, no verdict, no error', (_name, extra) => {
    const result = build([...base(), ...extra]);
    expect(routeNames(result.config)).toEqual([]);
    expect(result.gatewayAPI.routes).toEqual([]);
    expect(result.errors.filter((e) => e.object.kind === 'HTTPRoute')).toEqual([]);
  });

  it.each<[string, Obj[], Obj, string, string]>([
    [
      'sectionName names no listener',
      base(),
      route('r', 'demo', [{ name: 'kong', sectionName: 'https' }]),
      'False',
      'NoMatchingParent',
    ],
    [
      'port matches no listener',
      base(),
      route('r', 'demo', [{ name: 'kong', port: 8443 }]),
      'False',
      'NoMatchingParent',
    ],
    [
      'sectionName and port match',
      base(),
      route('r', 'demo', [{ name: 'kong', sectionName: 'http', port: 80 }]),
      'True',
      'Accepted',
    ],
    [
      'From: All lets another namespace in',
      base([http({ allowedRoutes: { namespaces: { from: 'All' } } })]),
      route('r', 'bad', [{ name: 'kong', namespace: 'demo' }]),
      'True',
      'Accepted',
    ],
    [
      'From: Selector matching the namespace labels',
      [
        ...base([
          http({
            allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'yes' } } } },
          }),
        ]),
        namespace('team', { shared: 'yes' }),
      ],
      route('r', 'team', [{ name: 'kong', namespace: 'demo' }]),
      'True',
      'Accepted',
    ],
    [
      'From: Selector not matching (matchExpressions)',
      [
        ...base([
          http({
            allowedRoutes: {
              namespaces: {
                from: 'Selector',
                selector: { matchExpressions: [{ key: 'shared', operator: 'In', values: ['yes'] }] },
              },
            },
          }),
        ]),
        namespace('team', { shared: 'no' }),
      ],
      route('r', 'team', [{ name: 'kong', namespace: 'demo' }]),
      'False',
      'NotAllowedByListeners',
    ],
    [
      'allowedRoutes.kinds without HTTPRoute',
      base([http({ allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } })]),
      route('r', 'demo', [{ name: 'kong' }]),
      'False',
      'NotAllowedByListeners',
    ],
    [
      'a TCPRoute on an HTTP listener (protocol ↔ kind)',
      base(),
      route('r', 'demo', [{ name: 'kong' }], { kind: 'TCPRoute' }),
      'False',
      'NotAllowedByListeners',
    ],
    [
      'route hostnames outside the listener hostname',
      base([http({ hostname: '*.example.com' })]),
      route('r', 'demo', [{ name: 'kong' }], { hostnames: ['shop.example.org'] }),
      'False',
      'NoMatchingListenerHostname',
    ],
  ])('%s → Accepted=%s', (_name, objects, r, status, reason) => {
    const result = build([...objects, r]);
    const accepted = parentsOf(result, 'r')?.[0]?.conditions[0];
    expect(accepted).toMatchObject({ type: 'Accepted', status, reason, observedGeneration: 2 });
    expect(routeNames(result.config).length > 0).toBe(status === 'True');
  });

  it.each<[string, Obj[], Obj, string]>([
    ['same namespace', [], { kind: 'Service', name: 'svc', port: 80 }, 'ResolvedRefs'],
    ['missing Service', [], { kind: 'Service', name: 'ghost', port: 80 }, 'BackendNotFound'],
    ['not a Service', [], { group: 'example.com', kind: 'Bucket', name: 'b' }, 'InvalidKind'],
    [
      'cross-namespace without ReferenceGrant',
      [],
      { kind: 'Service', name: 'svc', namespace: 'team', port: 80 },
      'RefNotPermitted',
    ],
    [
      'cross-namespace with ReferenceGrant',
      [referenceGrant('team', 'HTTPRoute', 'demo', 'Service')],
      { kind: 'Service', name: 'svc', namespace: 'team', port: 80 },
      'ResolvedRefs',
    ],
  ])('backendRef %s → ResolvedRefs reason %s', (_name, extra, backendRef, reason) => {
    const result = build([
      ...base(),
      ...extra,
      route('r', 'demo', [{ name: 'kong' }], { backendRefs: [backendRef] }),
    ]);
    expect(parentsOf(result, 'r')?.[0]?.conditions[1]).toMatchObject({
      type: 'ResolvedRefs',
      status: reason === 'ResolvedRefs' ? 'True' : 'False',
      reason,
    });
  });

  it('hosts are the intersection of listener and route hostnames; no route hostnames take the listener one', () => {
    const listeners = [http({ hostname: '*.example.com' })];
    const narrowed = build([
      ...base(listeners),
      route('r', 'demo', [{ name: 'kong' }], {
        hostnames: ['shop.example.com', 'shop.example.org', '*.example.com'],
      }),
    ]);
    expect(narrowed.config.services?.[0]?.routes?.[0]?.hosts).toEqual(['shop.example.com', '*.example.com']);
    const widened = build([...base(listeners), route('r', 'demo', [{ name: 'kong' }])]);
    expect(widened.config.services?.[0]?.routes?.[0]?.hosts).toEqual(['*.example.com']);
  });

  it('listener protocols become route protocols: http, https, or both', () => {
    const tls = { certificateRefs: [{ kind: 'Secret', name: 'cert' }] };
    const objects = [
      ...base([http(), { name: 'https', port: 443, protocol: 'HTTPS', tls }]),
      secret('cert', { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY }, { ns: 'demo', uid: 'uid-cert' }),
    ];
    const protocolsFor = (parentRef: Obj) =>
      build([...objects, route('r', 'demo', [parentRef])]).config.services?.[0]?.routes?.[0]?.protocols;
    expect(protocolsFor({ name: 'kong', sectionName: 'http' })).toEqual(['http']);
    expect(protocolsFor({ name: 'kong', sectionName: 'https' })).toEqual(['https']);
    expect(protocolsFor({ name: 'kong' })).toEqual(['http', 'https']);
  });

  it('HTTPS listener certificateRefs become certificates with the Secret uid and the listener hostname as SNI', () => {
    const result = build([
      ...base([
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: 'shop.example.com',
          tls: { certificateRefs: [{ name: 'cert' }] },
        },
      ]),
      secret(
        'cert',
        { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
        { ns: 'demo', uid: 'b0c4a1de-0000-4000-8000-000000000001' },
      ),
    ]);
    expect(result.config.certificates).toEqual([
      expect.objectContaining({
        id: 'b0c4a1de-0000-4000-8000-000000000001',
        cert: TEST_CERT.trim(),
        snis: [{ name: 'shop.example.com', certificate: { id: 'b0c4a1de-0000-4000-8000-000000000001' } }],
        tags: expect.arrayContaining(['k8s-name:cert', 'k8s-namespace:demo', 'k8s-kind:Secret']),
      }),
    ]);
    const listener = result.gatewayAPI.gateways[0]?.listeners[0];
    expect(listener?.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({ status: 'True' });
  });

  it('an HTTPS listener without hostname serves its certificate for SNI `*`, as KIC does and Kong accepts', () => {
    const result = build([
      ...base([
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
      ]),
      secret(
        'cert',
        { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
        { ns: 'demo', uid: 'b0c4a1de-0000-4000-8000-000000000002' },
      ),
      route('r', 'demo', [{ name: 'kong' }]),
    ]);
    expect(result.config.certificates?.[0]?.snis).toEqual([
      { name: '*', certificate: { id: 'b0c4a1de-0000-4000-8000-000000000002' } },
    ]);
    expect(validateDeclarativeConfig(result.config, { kongVersion: '3.9.1', output: 'errors-only' }).ok).toBe(
      true,
    );
  });

  it('a cross-namespace certificateRef needs a ReferenceGrant (RefNotPermitted, no certificate without one)', () => {
    const listeners = [
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] },
      },
    ];
    const certSecret = secret(
      'cert',
      { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
      { ns: 'certs', uid: 'uid-c' },
    );
    const refused = build([...base(listeners), certSecret]);
    expect(refused.config.certificates).toBeUndefined();
    expect(refused.gatewayAPI.gateways[0]?.listeners[0]?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'RefNotPermitted',
        observedGeneration: 3,
      }),
    );
    const granted = build([
      ...base(listeners),
      certSecret,
      referenceGrant('certs', 'Gateway', 'demo', 'Secret'),
    ]);
    expect(granted.config.certificates?.map((c) => c.id)).toEqual(['uid-c']);
  });

  it('listeners report conflicts, unsupported protocols and kinds; attachedRoutes counts accepted routes', () => {
    const result = build([
      ...base([
        http(),
        { name: 'tcp', port: 80, protocol: 'TCP' },
        { name: 'sctp', port: 9000, protocol: 'SCTP' },
        { name: 'kinds', port: 8080, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'TCPRoute' }] } },
      ]),
      route('r', 'demo', [{ name: 'kong' }]),
    ]);
    const listeners = result.gatewayAPI.gateways[0]!.listeners;
    const reasons = Object.fromEntries(
      listeners.map((l) => [l.name, Object.fromEntries(l.conditions.map((c) => [c.type, c.reason]))]),
    );
    expect(reasons.http).toMatchObject({ Conflicted: 'ProtocolConflict', Programmed: 'Invalid' });
    expect(reasons.sctp).toMatchObject({ Accepted: 'UnsupportedProtocol' });
    expect(reasons.kinds).toMatchObject({ ResolvedRefs: 'InvalidRouteKinds', Accepted: 'Accepted' });
    expect(listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['http', 0],
      ['tcp', 0],
      ['sctp', 0],
      ['kinds', 0],
    ]);
    const ok = build([
      ...base([http(), { ...http(), name: 'alt', port: 8080 }]),
      route('r', 'demo', [{ name: 'kong' }]),
    ]);
    expect(ok.gatewayAPI.gateways[0]!.listeners.map((l) => l.attachedRoutes)).toEqual([1, 1]);
    expect(ok.gatewayAPI.gateways[0]!.listeners[0]!.supportedKinds).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
      { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
    ]);
  });

  it.each<[string, Obj[], string, string]>([
    ['every listener valid', [http()], 'True', 'Accepted'],
    [
      'one of two listeners of an unsupported protocol',
      [http(), { name: 'x', port: 1111, protocol: 'INVALID' }],
      'True',
      'ListenersNotValid',
    ],
    [
      'no listener of a supported protocol',
      [{ name: 'x', port: 1111, protocol: 'INVALID' }],
      'False',
      'ListenersNotValid',
    ],
  ])('Gateway Accepted with %s → %s %s', (_name, listeners, status, reason) => {
    const result = build(base(listeners));
    expect(result.gatewayAPI.gateways[0]?.conditions).toEqual([
      expect.objectContaining({ type: 'Accepted', status, reason, observedGeneration: 3 }),
    ]);
  });

  it('owns GatewayClasses by the configured controllerNames; kong-fleet’s own name is accepted by default', () => {
    const own = [
      gatewayClass('fleet', 'kongfleet.io/gateway-controller'),
      gateway('kong', 'demo', [http()], 'fleet'),
      service('svc', { ns: 'demo' }),
      route('r', 'demo', [{ name: 'kong' }]),
    ];
    const byDefault = build(own);
    expect(byDefault.gatewayAPI.gatewayClasses.map((c) => c.ref.name)).toEqual(['fleet']);
    expect(parentsOf(byDefault, 'r')?.[0]?.controllerName).toBe('kongfleet.io/gateway-controller');
    const onlyKic = build(own, { gatewayControllerNames: [KIC] });
    expect(onlyKic.gatewayAPI).toEqual({ gatewayClasses: [], gateways: [], routes: [] });
    expect(routeNames(onlyKic.config)).toEqual([]);
  });

  it('every condition carries the observedGeneration of its object', () => {
    const result = build([...base(), route('r', 'demo', [{ name: 'kong' }], { generation: 7 })]);
    const { gatewayClasses, gateways, routes } = result.gatewayAPI;
    const all = [
      ...gatewayClasses.flatMap((c) => c.conditions.map((x) => [1, x.observedGeneration])),
      ...gateways.flatMap((g) => [
        ...g.conditions.map((x) => [3, x.observedGeneration]),
        ...g.listeners.flatMap((l) => l.conditions.map((x) => [3, x.observedGeneration])),
      ]),
      ...routes.flatMap((r) => r.parents.flatMap((p) => p.conditions.map((x) => [7, x.observedGeneration]))),
    ];
    expect(all.length).toBe(1 + 1 + 4 + 2);
    for (const [want, got] of all) expect(got).toBe(want);
  });

  it('TCPRoutes attach to TCP listeners and match their ports only', () => {
    const result = build([
      ...base([
        http(),
        { name: 'tcp', port: 9000, protocol: 'TCP' },
        { name: 'tcp2', port: 9001, protocol: 'TCP' },
      ]),
      route('t', 'demo', [{ name: 'kong', sectionName: 'tcp' }], { kind: 'TCPRoute' }),
    ]);
    expect(result.config.services?.[0]?.routes?.[0]?.destinations).toEqual([{ port: 9000 }]);
  });
});
