import { kongEntityId } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { errorsFor, ingress, onlyRoute, onlyService, run, service, services } from './helpers.ts';

describe('Ingress translation', () => {
  it('builds KIC-named services and routes with KIC defaults and tags', () => {
    const { config, errors } = run([ingress('web', { host: 'example.com', path: '/api' }), service('svc')]);
    expect(errors).toEqual([]);
    const svc = onlyService(config);
    expect(svc).toMatchObject({
      name: 'default.svc.80',
      id: kongEntityId('services', 'default.svc.80'),
      host: 'svc.default.80.svc',
      port: 80,
      path: '/',
      protocol: 'http',
      connect_timeout: 60000,
      read_timeout: 60000,
      write_timeout: 60000,
      retries: 5,
      tags: ['k8s-name:svc', 'k8s-namespace:default', 'k8s-kind:Service', 'k8s-version:v1'],
    });
    expect(onlyRoute(config)).toEqual({
      name: 'default.web.svc.example.com.80',
      id: kongEntityId('routes', 'default.web.svc.example.com.80'),
      hosts: ['example.com'],
      paths: ['/api/', '~/api$'],
      strip_path: false,
      preserve_host: true,
      regex_priority: 0,
      request_buffering: true,
      response_buffering: true,
      https_redirect_status_code: 426,
      path_handling: 'v0',
      tags: [
        'k8s-name:web',
        'k8s-namespace:default',
        'k8s-kind:Ingress',
        'k8s-group:networking.k8s.io',
        'k8s-version:v1',
      ],
    });
    expect(config.upstreams).toEqual([
      { name: 'svc.default.80.svc', algorithm: 'round-robin', tags: svc.tags },
    ]);
  });

  it.each([
    ['Prefix', '/', ['/']],
    ['Prefix', '/a//b/', ['/a/b/', '~/a/b$']],
    ['Exact', '/x', ['~/x$']],
    ['Exact', '/', ['~/$']],
    ['ImplementationSpecific', '/plain', ['/plain']],
    ['ImplementationSpecific', '/~/foo/\\d+', ['~/foo/\\d+']],
  ])('pathType %s %s → paths %j', (pathType, path, paths) => {
    expect(onlyRoute(run([ingress('i', { path, pathType }), service('svc')]).config).paths).toEqual(paths);
  });

  it('konghq.com/regex-prefix replaces the /~ regex marker', () => {
    const route = onlyRoute(
      run([
        ingress('i', {
          path: '/##/v1',
          pathType: 'ImplementationSpecific',
          annotations: { 'konghq.com/regex-prefix': '/##' },
        }),
        service('svc'),
      ]).config,
    );
    expect(route.paths).toEqual(['~/v1']);
  });

  it('an unknown pathType drops that path with an error naming the Ingress', () => {
    const { config, errors } = run([ingress('i', { pathType: 'Fuzzy' }), service('svc')]);
    expect(services(config)).toEqual([]);
    expect(config.upstreams).toEqual([{ name: 'kong' }]);
    expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('unknown pathType "Fuzzy"');
  });

  it.each([
    ['ingressClassName kong', { className: 'kong' }, [], true],
    ['ingressClassName other', { className: 'other' }, [], false],
    [
      'class annotation kong',
      { className: null, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
      [],
      true,
    ],
    [
      'annotation beats ingressClassName',
      { className: 'kong', annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
      [],
      false,
    ],
    ['no class, no default IngressClass', { className: null }, [], false],
    [
      'no class, default IngressClass kong',
      { className: null },
      [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: 'kong', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
        },
      ],
      true,
    ],
  ] as const)('class filter: %s', (_label, opts, extra, accepted) => {
    const { config } = run([ingress('i', opts as never), service('svc'), ...extra]);
    expect(services(config).length).toBe(accepted ? 1 : 0);
  });

  it('serves a configurable ingress class', () => {
    const { config } = run([ingress('i', { className: 'internal' }), service('svc')], {
      ingressClass: 'internal',
    });
    expect(services(config).length).toBe(1);
  });

  it('names ports by name, resolving the number from the Service', () => {
    const { config } = run([
      ingress('i', { port: { name: 'web' } }),
      service('svc', { ports: [{ name: 'web', port: 8080 }] }),
    ]);
    expect(onlyService(config)).toMatchObject({
      name: 'default.svc.web',
      host: 'svc.default.web.svc',
      port: 8080,
    });
  });

  it('reports a port the Service does not have and keeps port 80 (KIC)', () => {
    const { config, errors } = run([ingress('i', { port: { number: 9999 } }), service('svc')]);
    expect(onlyService(config).port).toBe(80);
    expect(errorsFor(errors, 'Service', 'svc')[0]?.reason).toContain('no port 9999');
  });

  it('a missing Service keeps the Kong service with placeholder tags and reports it', () => {
    const { config, errors } = run([ingress('i', { service: 'ghost' })]);
    expect(onlyService(config).tags).toContain('k8s-name:UNKNOWN');
    expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('Service default/ghost not found');
  });

  it('collapses paths of one host and backend into one route; two Ingresses share one service', () => {
    const two = ingress('i', { path: '/a' });
    (two.spec as { rules: Array<{ http: { paths: unknown[] } }> }).rules[0]!.http.paths.push({
      path: '/b',
      pathType: 'Exact',
      backend: { service: { name: 'svc', port: { number: 80 } } },
    });
    const { config } = run([two, ingress('j', { path: '/c' }), service('svc')]);
    const svc = onlyService(config);
    expect(svc.routes?.map((r) => [r.name, r.paths])).toEqual([
      ['default.j.svc..80', ['/c/', '~/c$']],
      ['default.i.svc..80', ['/a/', '~/a$', '~/b$']],
    ]);
  });

  it('replaces * in wildcard hosts in route names', () => {
    expect(onlyRoute(run([ingress('i', { host: '*.example.com' }), service('svc')]).config)).toMatchObject({
      name: 'default.i.svc._.example.com.80',
      hosts: ['*.example.com'],
    });
  });

  it('translates a Service default backend into a catch-all route on a service without path', () => {
    const ing = ingress('i');
    (ing.spec as Record<string, unknown>).rules = [];
    (ing.spec as Record<string, unknown>).defaultBackend = { service: { name: 'svc', port: { number: 80 } } };
    const svc = onlyService(run([ing, service('svc')]).config);
    expect(svc.path).toBeUndefined();
    expect(svc.routes?.[0]).toMatchObject({ name: 'default.i', paths: ['/'], regex_priority: 0 });
  });

  it('KongServiceFacade backends need the KongServiceFacade feature flag', () => {
    const ing = ingress('i');
    (ing.spec as { rules: Array<{ http: { paths: Array<{ backend: unknown }> } }> }).rules[0]!.http
      .paths[0]!.backend = {
      resource: { apiGroup: 'incubator.ingress-controller.konghq.com', kind: 'KongServiceFacade', name: 'f' },
    };
    const facade = {
      apiVersion: 'incubator.ingress-controller.konghq.com/v1alpha1',
      kind: 'KongServiceFacade',
      metadata: { name: 'f', namespace: 'default', annotations: { 'kubernetes.io/ingress.class': 'kong' } },
      spec: { backendRef: { name: 'svc', port: 80 } },
    };
    const off = run([ing, facade, service('svc')]);
    expect(services(off.config)).toEqual([]);
    expect(errorsFor(off.errors, 'Ingress', 'i')[0]?.reason).toContain('KongServiceFacade is not enabled');
    const on = run([ing, facade, service('svc')], { featureFlags: { KongServiceFacade: true } });
    expect(onlyService(on.config)).toMatchObject({
      name: 'default.f.svc.facade',
      host: 'default.f.svc.facade',
    });
    expect(onlyService(on.config).tags).toContain('k8s-kind:KongServiceFacade');
  });

  it('konghq.com/rewrite: dropped with an error unless RewriteURIs is on, then a request-transformer', () => {
    const objs = [ingress('i', { annotations: { 'konghq.com/rewrite': '/new/$1' } }), service('svc')];
    const off = run(objs);
    expect(services(off.config)).toEqual([]);
    expect(errorsFor(off.errors, 'Ingress', 'i')[0]?.reason).toContain('RewriteURIs');
    const on = run(objs, { featureFlags: { RewriteURIs: true } });
    expect(onlyRoute(on.config).plugins).toEqual([
      { name: 'request-transformer', config: { replace: { uri: '/new/$(uri_captures[1])' } } },
    ]);
    const bad = run([ingress('i', { annotations: { 'konghq.com/rewrite': '/x/$' } }), service('svc')], {
      featureFlags: { RewriteURIs: true },
    });
    expect(errorsFor(bad.errors, 'Ingress', 'i')[0]?.reason).toContain('unexpected end of string');
  });
});
