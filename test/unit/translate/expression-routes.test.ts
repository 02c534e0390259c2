import { describe, expect, it } from 'vitest';
import { httpRoute, ingress, onlyRoute, run, service } from './helpers.ts';

const on = { featureFlags: { ExpressionRoutes: true } };

describe('expression router (ExpressionRoutes)', () => {
  it('Ingress: host and path predicates, KIC priority encoding, no traditional-only fields', () => {
    const route = onlyRoute(
      run([ingress('i', { host: 'example.com', path: '/api', pathType: 'Prefix' }), service('svc')], on)
        .config,
    );
    expect(route.expression).toBe(
      '(http.host == "example.com") && ((http.path == "/api") || (http.path ^= "/api/"))',
    );
    // kind 3 << 44 | 2 match fields << 41 | plain host << 32 | regex << 16 | length("/api/") = 5
    expect(route.priority).toBe(3 * 2 ** 44 + 2 * 2 ** 41 + 2 ** 32 + 2 ** 16 + 5);
    for (const field of ['paths', 'hosts', 'regex_priority', 'path_handling'])
      expect(route).not.toHaveProperty(field);
    expect(route.https_redirect_status_code).toBe(426);
  });

  it('Ingress annotations: headers (~* = regex), methods, SNIs and host aliases join the expression', () => {
    const route = onlyRoute(
      run(
        [
          ingress('i', {
            host: '*.example.com',
            path: '/',
            pathType: 'Exact',
            annotations: {
              'konghq.com/headers.x-env': 'prod,~*^stag',
              'konghq.com/methods': 'GET,bad',
              'konghq.com/snis': 'a.example.com',
              'konghq.com/host-aliases': 'alias.example.com',
            },
          }),
          service('svc'),
        ],
        on,
      ).config,
    );
    expect(route.expression).toBe(
      '((http.host =^ ".example.com") || (http.host == "alias.example.com")) && (http.path == "/") && ' +
        '((http.headers.x_env == "prod") || (http.headers.x_env ~ "^stag")) && (http.method == "GET") && (tls.sni == "a.example.com")',
    );
    // 5 match fields, wildcard host (no P bit), 1 header, regex (Exact), length 1.
    expect(route.priority).toBe(3 * 2 ** 44 + 5 * 2 ** 41 + 2 ** 33 + 2 ** 16 + 1);
    expect(route.methods).toBeUndefined();
  });

  it('escapes quotes and backslashes in literals', () => {
    const route = onlyRoute(
      run([ingress('i', { path: '/~/a\\d"', pathType: 'ImplementationSpecific' }), service('svc')], on)
        .config,
    );
    expect(route.expression).toBe('http.path ~ "^/a\\\\d\\""');
  });

  it('HTTPRoute: one route per hostname × match, tie-broken priorities, catch-all for empty matches', () => {
    const r = httpRoute(
      'r',
      [
        {
          matches: [
            { path: { type: 'PathPrefix', value: '/a' } },
            { path: { type: 'PathPrefix', value: '/b' } },
          ],
          backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }],
        },
        { backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }] },
      ],
      { hostnames: ['x.example.com'] },
    );
    const routes = run([r, service('svc')], on).config.services?.[0]?.routes ?? [];
    expect(routes.map((x) => [x.name, x.expression])).toEqual([
      ['httproute.default.r.x.example.com.1.0', 'http.host == "x.example.com"'],
      [
        'httproute.default.r.x.example.com.0.1',
        '(http.host == "x.example.com") && ((http.path == "/b") || (http.path ^= "/b/"))',
      ],
      [
        'httproute.default.r.x.example.com.0.0',
        '(http.host == "x.example.com") && ((http.path == "/a") || (http.path ^= "/a/"))',
      ],
    ]);
    const base = 2 * 2 ** 44 + 2 ** 43 + 13 * 2 ** 35 + 1 * 2 ** 23;
    expect(routes.find((x) => x.name.endsWith('0.0'))?.priority).toBe(base + 4095);
    expect(routes.find((x) => x.name.endsWith('0.1'))?.priority).toBe(base + 4094);
    const bare = run(
      [httpRoute('b', [{ backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }] }]), service('svc')],
      on,
    ).config;
    expect(bare.services?.[0]?.routes?.[0]?.expression).toBe(
      '(net.protocol == "http") || (net.protocol == "https")',
    );
  });
});
