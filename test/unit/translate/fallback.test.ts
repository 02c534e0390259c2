import { describe, expect, it } from 'vitest';
import { describeEntityError, redactValues } from '../../../kong/kong-errors.ts';
import { buildWithFallback, refFromTags } from '../../../kong/translate/index.ts';
import { ingress, kongPlugin, secret, service } from './helpers.ts';

describe('fallback build', () => {
  it('drops an object Kong would reject (found by the shared validator) and what depends on it; the rest ships', () => {
    const objects = [
      ingress('good', { host: 'good.example.com' }),
      ingress('bad', { host: 'bad.example.com', annotations: { 'konghq.com/plugins': 'broken' } }),
      service('svc'),
      // rate-limiting needs at least one limit: Kong rejects this config.
      kongPlugin('broken', 'rate-limiting', { config: { minute: 'lots' } }),
    ];
    const result = buildWithFallback(objects);
    expect(result.valid).toBe(true);
    expect(result.iterations).toBe(2);
    expect(result.config.plugins).toBeUndefined();
    const routes = result.config.services?.[0]?.routes?.map((r) => r.name);
    expect(routes).toEqual(['default.good.svc.good.example.com.80']);
    expect(result.excluded.map((e) => `${e.object.kind}/${e.object.name}`)).toEqual([
      'Ingress/bad',
      'KongPlugin/broken',
    ]);
    expect(result.excluded.find((e) => e.object.kind === 'KongPlugin')?.reason).toContain(
      'Kong would reject plugin rate-limiting',
    );
    expect(result.excluded.find((e) => e.object.kind === 'Ingress')?.reason).toBe(
      'depends on KongPlugin/default/broken, which is excluded',
    );
  });

  it('takes an explicit exclusion set (objects a proxy rejected) and excludes dependants transitively', () => {
    const objects = [
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      secret('conf', { cfg: 'minute: 1' }),
      kongPlugin('p', 'rate-limiting', { configFrom: { secretKeyRef: { name: 'conf', key: 'cfg' } } }),
    ];
    const result = buildWithFallback(objects, { exclude: ['Secret/default/conf'] });
    expect(result.excluded.map((e) => e.object.kind).sort()).toEqual(['Ingress', 'KongPlugin', 'Secret']);
    expect(result.empty).toBe(true);
    expect(result.config).toEqual({ _format_version: '3.0', upstreams: [{ name: 'kong' }] });
    expect(
      result.errors.some(
        (e) => e.object.kind === 'Ingress' && e.reason.startsWith('excluded from the build'),
      ),
    ).toBe(true);
  });

  it('an object that fails translation takes its dependants out (no route shipped without its auth plugin)', () => {
    const objects = [
      ingress('open', { host: 'open.example.com' }),
      ingress('guarded', { host: 'guarded.example.com', annotations: { 'konghq.com/plugins': 'auth' } }),
      service('svc'),
      kongPlugin('auth', 'key-auth', { configFrom: { secretKeyRef: { name: 'missing', key: 'cfg' } } }),
    ];
    const result = buildWithFallback(objects);
    expect(result.valid).toBe(true);
    expect(result.config.services?.[0]?.routes?.map((r) => r.name)).toEqual([
      'default.open.svc.open.example.com.80',
    ]);
    expect(result.excluded.map((e) => [e.object.kind, e.object.name, e.reason])).toEqual([
      ['Ingress', 'guarded', 'depends on KongPlugin/default/auth, which is excluded'],
      ['KongPlugin', 'auth', 'translation failed: configFrom: Secret default/missing not found'],
    ]);
  });

  it('validation can be turned off; results stay pure and deterministic', () => {
    const objects = [ingress('i'), service('svc')];
    const a = buildWithFallback(objects, { validate: false });
    const b = buildWithFallback(objects, { validate: false });
    expect(a.valid).toBeUndefined();
    expect(a).toEqual(b);
  });

  it('blanks entity values (keys, passwords, plugin secrets) out of validator messages', () => {
    const entity = {
      name: 'basic-auth',
      id: 'x',
      tags: ['k8s-name:a'],
      config: { password: 'hunter22' },
      username: 'bob',
    };
    expect(redactValues('config.password: invalid value: hunter22; name basic-auth', entity)).toBe(
      'config.password: invalid value: <redacted>; name basic-auth',
    );
    expect(redactValues('username: bob is taken', entity)).toBe('username: <redacted> is taken');
  });

  it('never touches field names, even where a value is part of one (config.keys, hash_on_cookie_path)', () => {
    const plugin = {
      type: 'field' as const,
      field: 'config.keys',
      message: 'expected an array, got: key',
    };
    expect(
      describeEntityError({
        entity_type: 'plugin',
        entity_name: 'key-auth',
        entity: { name: 'key-auth', config: { keys: 'key' } },
        errors: [plugin],
      }),
    ).toBe('plugin key-auth: config.keys: expected an array, got: <redacted>');
    expect(
      describeEntityError({
        entity_type: 'upstream',
        entity_name: 'u',
        entity: { name: 'u', hash_on: 'cookie', hash_on_cookie_path: 'no-slash' },
        errors: [
          { type: 'field', field: 'hash_on_cookie_path', message: 'invalid value: no-slash' },
          { type: 'entity', message: 'when hash_on is cookie, hash_on_cookie_path must be set' },
        ],
      }),
    ).toBe(
      'upstream u: hash_on_cookie_path: invalid value: <redacted>, when hash_on is <redacted>, hash_on_cookie_path must be set',
    );
  });

  it('maps k8s-* tags back to object references', () => {
    expect(
      refFromTags([
        'k8s-name:x',
        'k8s-namespace:ns',
        'k8s-kind:Ingress',
        'k8s-uid:u',
        'k8s-group:networking.k8s.io',
        'k8s-version:v1',
        'team',
      ]),
    ).toEqual({
      kind: 'Ingress',
      namespace: 'ns',
      name: 'x',
      uid: 'u',
      group: 'networking.k8s.io',
      version: 'v1',
    });
    expect(refFromTags(['team'])).toBeUndefined();
  });

  it('reads the core group from tags as the empty group, whether KIC omits it or writes k8s-group:core', () => {
    const core = { kind: 'Service', group: '', namespace: 'ns', name: 's' };
    expect(refFromTags(['k8s-name:s', 'k8s-namespace:ns', 'k8s-kind:Service'])).toEqual(core);
    expect(
      refFromTags(['k8s-name:s', 'k8s-namespace:ns', 'k8s-kind:Service', 'k8s-group:core', 'k8s-version:v1']),
    ).toEqual({ ...core, version: 'v1' });
    expect(
      refFromTags(['k8s-name:c', 'k8s-kind:KongClusterPlugin', 'k8s-group:configuration.konghq.com']),
    ).toEqual({
      kind: 'KongClusterPlugin',
      group: 'configuration.konghq.com',
      namespace: '',
      name: 'c',
    });
  });

  it("takes the state store's keys (with the group) as exclusions, and names the cause the short way", () => {
    const objects = [
      ingress('guarded', { host: 'guarded.example.com', annotations: { 'konghq.com/plugins': 'auth' } }),
      ingress('open', { host: 'open.example.com' }),
      service('svc'),
      kongPlugin('auth', 'key-auth'),
    ];
    const result = buildWithFallback(objects, {
      exclude: ['KongPlugin.configuration.konghq.com/default/auth'],
    });
    expect(result.excluded.map((e) => [e.object.kind, e.object.group, e.object.name, e.reason])).toEqual([
      ['Ingress', 'networking.k8s.io', 'guarded', 'depends on KongPlugin/default/auth, which is excluded'],
      ['KongPlugin', 'configuration.konghq.com', 'auth', 'rejected by Kong'],
    ]);
    expect(result.config.services?.[0]?.routes?.map((r) => r.name)).toEqual([
      'default.open.svc.open.example.com.80',
    ]);
    // A key of another group names another object: the KongPlugin and the Ingress using it still ship.
    const other = buildWithFallback(objects, { exclude: ['KongPlugin.example.com/default/auth'] });
    expect(other.excluded.map((e) => `${e.object.kind}.${e.object.group}`)).toEqual([
      'KongPlugin.example.com',
    ]);
    expect(other.config.services?.[0]?.routes).toHaveLength(2);
  });
});

describe('validator profiles (what the proxies report)', () => {
  // A look-ahead is fine for PCRE (traditional) and unsupported by the Rust regex engine of
  // traditional_compatible and expressions: every 3.x proxy with the default router rejects it.
  const lookAhead = () => [
    ingress('ahead', { host: 'a.example.com', path: '/~/(?=foo)bar', pathType: 'ImplementationSpecific' }),
    ingress('plain', { host: 'p.example.com' }),
    service('svc'),
  ];
  const traditionalCompatible = {
    kongVersion: '3.9.1',
    routerFlavor: 'traditional_compatible',
    edition: 'community',
  } as const;

  it("drops a path the proxies' router rejects, though the traditional router would take it", () => {
    expect(buildWithFallback(lookAhead()).excluded).toEqual([]);
    const result = buildWithFallback(lookAhead(), { profiles: [traditionalCompatible] });
    expect(result.valid).toBe(true);
    expect(result.excluded.map((e) => e.object.name)).toEqual(['ahead']);
    expect(result.excluded[0]?.reason).toMatch(/^Kong would reject route default\.ahead\..*look-ahead/s);
    expect(result.config.services?.[0]?.routes?.map((r) => r.name)).toEqual([
      'default.plain.svc.p.example.com.80',
    ]);
  });

  it('a mixed fleet validates against every distinct profile and names the one that rejects', () => {
    const traditional = { ...traditionalCompatible, routerFlavor: 'traditional' } as const;
    const result = buildWithFallback(lookAhead(), {
      profiles: [traditional, traditionalCompatible, traditional],
    });
    expect(result.excluded.map((e) => e.object.name)).toEqual(['ahead']);
    expect(result.excluded[0]?.reason).toMatch(
      /^Kong 3\.9\.1 \(traditional_compatible, community\) would reject route /,
    );
    expect(buildWithFallback(lookAhead(), { profiles: [traditional, traditional] }).excluded).toEqual([]);
  });
});

describe('fallback for entities without k8s tags', () => {
  it('an invalid custom entity is traced back to its KongCustomEntity by collection and fields', () => {
    const entity = (name: string, fields: Record<string, unknown>) => ({
      apiVersion: 'configuration.konghq.com/v1alpha1',
      kind: 'KongCustomEntity',
      metadata: { name, namespace: 'default' },
      spec: { controllerName: 'kong', type: 'degraphql_routes', fields },
    });
    const result = buildWithFallback(
      [
        entity('good', { uri: '/a', query: 'query{ a }' }),
        entity('bad', { uri: '/b', query: 'query{ b }', bogus: 1 }),
      ],
      { validation: { edition: 'enterprise' } },
    );
    expect(result.valid).toBe(true);
    expect(result.excluded.map((e) => e.object.name)).toEqual(['bad']);
    expect(result.config.degraphql_routes).toEqual([{ uri: '/a', query: 'query{ a }' }]);
  });
});
