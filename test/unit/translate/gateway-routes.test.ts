import { describe, expect, it } from 'vitest';
import { errorsFor, httpRoute, kongPlugin, run, service } from './helpers.ts';

const backend = (name = 'svc', extra: Record<string, unknown> = {}) => ({
  kind: 'Service',
  name,
  port: 80,
  ...extra,
});

describe('HTTPRoute', () => {
  it('one Kong service per group of rules with identical backends; routes per match group', () => {
    const route = httpRoute(
      'r',
      [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/a' } }, { path: { type: 'Exact', value: '/b' } }],
          backendRefs: [backend()],
        },
        {
          matches: [{ path: { type: 'RegularExpression', value: '/c/\\d+' }, method: 'GET' }],
          backendRefs: [backend()],
        },
        { matches: [{ headers: [{ name: 'x-v', value: '2' }] }], backendRefs: [backend('other')] },
      ],
      { hostnames: ['example.com'] },
    );
    const { config, errors } = run([route, service('svc'), service('other')]);
    expect(errors).toEqual([]);
    expect(config.services?.map((s) => [s.name, s.host, s.port, s.path])).toEqual([
      ['httproute.default.r.2', 'httproute.default.r.2', 80, undefined],
      ['httproute.default.r.0', 'httproute.default.r.0', 80, undefined],
    ]);
    const routes = config.services?.[1]?.routes;
    expect(
      routes?.map((r) => ({ name: r.name, paths: r.paths, methods: r.methods, hosts: r.hosts })),
    ).toEqual([
      { name: 'httproute.default.r.1.0', paths: ['~/c/\\d+'], methods: ['GET'], hosts: ['example.com'] },
      {
        name: 'httproute.default.r.0.0',
        paths: ['~/a$', '/a/', '~/b$'],
        methods: undefined,
        hosts: ['example.com'],
      },
    ]);
    expect(config.services?.[0]?.routes?.[0]?.headers).toEqual({ 'x-v': ['2'] });
    expect(routes?.[0]).toMatchObject({ preserve_host: true, strip_path: false });
  });

  it('a rule without backendRefs answers 500 (HTTPRouteNoBackendRefs); a redirect rule still redirects first', () => {
    const route = httpRoute('r', [
      { matches: [{ path: { type: 'Exact', value: '/omitted' } }] },
      { matches: [{ path: { type: 'Exact', value: '/empty' } }], backendRefs: [] },
      {
        matches: [{ path: { type: 'Exact', value: '/moved' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 302 } }],
      },
    ]);
    const { config, errors } = run([route]);
    expect(errors).toEqual([]);
    const svc = config.services?.find((s) => s.routes?.some((r) => r.paths?.includes('~/omitted$')));
    expect(svc?.plugins).toEqual([
      {
        name: 'request-termination',
        config: { status_code: 500, message: 'no existing backendRef provided' },
      },
    ]);
    const moved = config.services?.flatMap((s) => s.routes ?? []).find((r) => r.paths?.includes('~/moved$'));
    expect(moved?.plugins?.find((p) => p.name === 'request-termination')?.config).toEqual({
      status_code: 302,
    });
  });

  it('backendRefs without kind, to missing Services or across namespaces without a ReferenceGrant are skipped', () => {
    const route = httpRoute('r', [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'svc', port: 80 }, backend('ghost'), backend('far', { namespace: 'other' })],
      },
    ]);
    const { config, errors } = run([route, service('svc'), service('far', { ns: 'other' })]);
    const svc = config.services?.[0];
    expect(svc?.plugins).toEqual([
      {
        name: 'request-termination',
        config: { status_code: 500, message: 'no existing backendRef provided' },
      },
    ]);
    expect(svc?.tags).toContain('k8s-name:UNKNOWN');
    const reasons = errorsFor(errors, 'HTTPRoute', 'r').map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('has no kind'),
        expect.stringContaining('Service not found'),
        expect.stringContaining('no ReferenceGrant'),
      ]),
    );
  });

  it('a ReferenceGrant allows a cross-namespace backend', () => {
    const grant = {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: 'other' },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }],
        to: [{ group: '', kind: 'Service' }],
      },
    };
    const route = httpRoute('r', [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [backend('far', { namespace: 'other' })],
      },
    ]);
    const { config } = run([route, grant, service('far', { ns: 'other' })]);
    expect(config.services?.[0]?.plugins).toBeUndefined();
    expect(config.services?.[0]?.tags).toContain('k8s-name:far');
  });

  it('filters become route plugins tagged like the route; RequestMirror fails the HTTPRoute', () => {
    const route = httpRoute('r', [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] },
          },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-c', value: '2' }] } },
          { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } } },
          {
            type: 'ExtensionRef',
            extensionRef: { group: 'configuration.konghq.com', kind: 'KongPlugin', name: 'p' },
          },
        ],
        backendRefs: [backend()],
      },
    ]);
    const { config } = run([route, service('svc'), kongPlugin('p', 'cors')]);
    const plugins = config.services?.[0]?.routes?.[0]?.plugins;
    expect(plugins?.map((p) => [p.name, p.config])).toEqual([
      ['response-transformer', { append: { headers: ['x-c:2'] } }],
      [
        'request-transformer',
        {
          replace: { headers: ['x-a:1'], uri: '/new' },
          add: { headers: ['x-a:1'] },
          remove: { headers: ['x-b'] },
        },
      ],
    ]);
    expect(plugins?.[0]?.tags).toContain('k8s-kind:HTTPRoute');
    expect(config.plugins?.[0]).toMatchObject({ name: 'cors', route: 'httproute.default.r.0.0' });

    const mirror = httpRoute('m', [
      { filters: [{ type: 'RequestMirror', requestMirror: {} }], backendRefs: [backend()] },
    ]);
    const failed = run([mirror, service('svc')]);
    expect(failed.config.services).toBeUndefined();
    expect(errorsFor(failed.errors, 'HTTPRoute', 'm')[0]?.reason).toContain('RequestMirror unsupported');
  });

  it('RequestRedirect below Kong 3.9: request-termination with the status and a Location header', () => {
    const route = httpRoute('r', [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
        filters: [
          {
            type: 'RequestRedirect',
            requestRedirect: { scheme: 'https', hostname: 'new.example.com', statusCode: 301 },
          },
        ],
        backendRefs: [backend()],
      },
    ]);
    // Kong 3.9+ gets the redirect plugin (version-gates.test.ts).
    const plugins = run([route, service('svc')], { kongVersion: '3.8.0' }).config.services?.[0]?.routes?.[0]
      ?.plugins;
    expect(plugins?.map((p) => [p.name, p.config])).toEqual([
      ['response-transformer', { add: { headers: ['Location: https://new.example.com:80/old'] } }],
      ['request-termination', { status_code: 301 }],
    ]);
  });

  it('rule timeouts set the service timeouts; query matches need the expression router', () => {
    const timed = httpRoute('r', [
      {
        timeouts: { backendRequest: '1m30s' },
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [backend()],
      },
    ]);
    expect(run([timed, service('svc')]).config.services?.[0]).toMatchObject({
      read_timeout: 90000,
      connect_timeout: 90000,
      write_timeout: 90000,
    });
    // "0s" disables the timeout: Kong's largest, as 0 is not a Kong timeout (HTTPRouteTimeoutBackendRequest).
    const untimed = httpRoute('r', [
      {
        timeouts: { backendRequest: '0s' },
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [backend()],
      },
    ]);
    const disabled = run([untimed, service('svc')]);
    expect(disabled.errors).toEqual([]);
    expect(disabled.config.services?.[0]).toMatchObject({
      read_timeout: 2 ** 31 - 2,
      connect_timeout: 2 ** 31 - 2,
    });
    // Same backend, other timeouts: a service each, not the last rule's timeouts for both.
    const two = httpRoute('t', [
      {
        timeouts: { backendRequest: '500ms' },
        matches: [{ path: { type: 'PathPrefix', value: '/a' } }],
        backendRefs: [backend()],
      },
      {
        timeouts: { backendRequest: '0s' },
        matches: [{ path: { type: 'PathPrefix', value: '/b' } }],
        backendRefs: [backend()],
      },
    ]);
    const split = run([two, service('svc')]).config.services ?? [];
    expect(split.map((s) => [s.name, s.read_timeout]).sort()).toEqual([
      ['httproute.default.t.0', 500],
      ['httproute.default.t.1', 2 ** 31 - 2],
    ]);
    const query = httpRoute('q', [
      { matches: [{ queryParams: [{ name: 'a', value: '1' }] }], backendRefs: [backend()] },
    ]);
    const { config, errors } = run([query, service('svc')]);
    expect(config.services).toBeUndefined();
    expect(errorsFor(errors, 'HTTPRoute', 'q')[0]?.reason).toContain('expression router');
  });

  it('an HTTPRoute without rules is reported', () => {
    expect(errorsFor(run([httpRoute('r', [])]).errors, 'HTTPRoute', 'r')[0]?.reason).toBe(
      'HTTPRoute has no rules',
    );
  });
});

describe('GRPCRoute and L4 routes', () => {
  it('GRPCRoute: grpcs service per rule, grpc/grpcs routes with method paths', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'g', namespace: 'default' },
      spec: {
        hostnames: ['grpc.example.com'],
        rules: [
          {
            matches: [{ method: { service: 'pkg.Svc', method: 'Get' } }, { method: { service: 'pkg.Svc' } }],
            backendRefs: [backend('svc', { port: 443 })],
          },
        ],
      },
    };
    const { config } = run([route, service('svc', { ports: [{ port: 443, name: 'grpc' }] })]);
    const svc = config.services?.[0];
    expect(svc).toMatchObject({ name: 'grpcroute.default.g.0', protocol: 'grpcs', port: 443 });
    expect(svc?.path).toBeUndefined();
    expect(svc?.routes?.map((r) => [r.name, r.paths, r.protocols, r.hosts])).toEqual([
      ['grpcroute.default.g.0.1', ['~/pkg.Svc/'], ['grpc', 'grpcs'], ['grpc.example.com']],
      ['grpcroute.default.g.0.0', ['~/pkg.Svc/Get'], ['grpc', 'grpcs'], ['grpc.example.com']],
    ]);
  });

  it('TCPRoute/UDPRoute match the parent Gateway listener ports of their protocol; TLSRoute matches SNIs', () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: {
        listeners: [
          { name: 'tcp', protocol: 'TCP', port: 9000 },
          { name: 'udp', protocol: 'UDP', port: 9001 },
        ],
      },
    };
    const l4 = (kind: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind,
      metadata: { name: kind.toLowerCase(), namespace: 'default' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend()] }], ...extra },
    });
    const { config } = run([
      gateway,
      l4('TCPRoute'),
      l4('UDPRoute'),
      l4('TLSRoute', { hostnames: ['t.example.com'] }),
      service('svc'),
    ]);
    const byName = Object.fromEntries((config.services ?? []).map((s) => [s.name, s]));
    expect(byName['tcproute.default.tcproute.0']?.protocol).toBe('tcp');
    expect(byName['tcproute.default.tcproute.0']?.routes?.[0]).toMatchObject({
      protocols: ['tcp'],
      destinations: [{ port: 9000 }],
    });
    expect(byName['udproute.default.udproute.0']?.routes?.[0]).toMatchObject({
      protocols: ['udp'],
      destinations: [{ port: 9001 }],
    });
    expect(byName['tlsroute.default.tlsroute.0']?.routes?.[0]).toMatchObject({
      protocols: ['tls'],
      snis: ['t.example.com'],
    });
  });
});
