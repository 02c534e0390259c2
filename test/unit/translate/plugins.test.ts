import { kongEntityId } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { consumer, errorsFor, ingress, kongPlugin, run, secret, service } from './helpers.ts';

const clusterPlugin = (
  name: string,
  plugin: string,
  extra: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
) => ({
  apiVersion: 'configuration.konghq.com/v1',
  kind: 'KongClusterPlugin',
  metadata: { name, ...meta },
  plugin,
  ...extra,
});

describe('KongPlugin / KongClusterPlugin', () => {
  it('binds a plugin on an Ingress to its routes and on a Service to its Kong services, with IDs and tags', () => {
    const { config, errors } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'rl' } }),
      service('svc', { annotations: { 'konghq.com/plugins': ' auth ' } }),
      kongPlugin('rl', 'rate-limiting', { config: { minute: 5 } }),
      kongPlugin('auth', 'key-auth'),
    ]);
    expect(errors).toEqual([]);
    expect(config.plugins).toEqual([
      {
        id: kongEntityId('plugins', 'rate-limiting:route/default.i.svc..80'),
        name: 'rate-limiting',
        route: 'default.i.svc..80',
        config: { minute: 5 },
        tags: [
          'k8s-name:rl',
          'k8s-namespace:default',
          'k8s-kind:KongPlugin',
          'k8s-group:configuration.konghq.com',
          'k8s-version:v1',
        ],
      },
      {
        id: kongEntityId('plugins', 'key-auth:service/default.svc.80'),
        name: 'key-auth',
        service: 'default.svc.80',
        tags: [
          'k8s-name:auth',
          'k8s-namespace:default',
          'k8s-kind:KongPlugin',
          'k8s-group:configuration.konghq.com',
          'k8s-version:v1',
        ],
      },
    ]);
  });

  it('falls back to a KongClusterPlugin of the same name; a namespaced KongPlugin wins', () => {
    const objs = [
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      clusterPlugin('p', 'cors'),
    ];
    expect(run(objs).config.plugins?.[0]?.name).toBe('cors');
    expect(
      run([...objs, kongPlugin('p', 'acl', { config: { allow: ['a'] } })]).config.plugins?.[0]?.name,
    ).toBe('acl');
  });

  it('consumer × route combinations and instance_name suffixes', () => {
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'rl' } }),
      service('svc'),
      consumer('alice', { username: 'alice' }, { 'konghq.com/plugins': 'rl' }),
      kongPlugin('rl', 'rate-limiting', { instance_name: 'limit', config: { minute: 1 } }),
    ]);
    expect(config.plugins).toHaveLength(1);
    expect(config.plugins?.[0]).toMatchObject({ route: 'default.i.svc..80', consumer: 'alice' });
    expect(config.plugins?.[0]?.instance_name).toMatch(/^limit-[0-9a-f]{9}$/);
  });

  it('disabled, protocols and ordering carry over', () => {
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      kongPlugin('p', 'cors', {
        disabled: true,
        protocols: ['https'],
        ordering: { before: { access: ['acl'] } },
      }),
    ]);
    expect(config.plugins?.[0]).toMatchObject({
      enabled: false,
      protocols: ['https'],
      ordering: { before: { access: ['acl'] } },
    });
  });

  it('configFrom reads the config from a Secret; configPatches add values from Secrets', () => {
    const { config, errors } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      secret('conf', { cfg: 'minute: 10\npolicy: local\n', redis: '"s3cret-password"' }),
      kongPlugin('p', 'rate-limiting', {
        configFrom: { secretKeyRef: { name: 'conf', key: 'cfg' } },
        configPatches: [
          { path: '/redis/password', valueFrom: { secretKeyRef: { name: 'conf', key: 'redis' } } },
        ],
      }),
    ]);
    expect(errors).toEqual([]);
    expect(config.plugins?.[0]?.config).toEqual({
      minute: 10,
      policy: 'local',
      redis: { password: 's3cret-password' },
    });
  });

  it.each([
    [
      'config and configFrom together',
      { config: { minute: 1 }, configFrom: { secretKeyRef: { name: 'conf', key: 'cfg' } } },
      'cannot both be set',
    ],
    [
      'configFrom Secret missing',
      { configFrom: { secretKeyRef: { name: 'nope', key: 'cfg' } } },
      'Secret default/nope not found',
    ],
    [
      'configFrom key missing',
      { configFrom: { secretKeyRef: { name: 'conf', key: 'other' } } },
      'has no key "other"',
    ],
    [
      'configFrom not an object',
      { configFrom: { secretKeyRef: { name: 'conf', key: 'scalar' } } },
      'does not hold a configuration object',
    ],
    ['config not an object', { config: 'minute=5' }, 'config must be an object'],
    [
      'patch not JSON',
      { configPatches: [{ path: '/a', valueFrom: { secretKeyRef: { name: 'conf', key: 'scalar' } } }] },
      'not JSON',
    ],
  ])('%s: the KongPlugin is dropped with a reason that names no secret value', (_label, extra, reason) => {
    const { config, errors } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      secret('conf', { cfg: 'minute: 10', scalar: 'hunter2-top-secret' }),
      kongPlugin('p', 'rate-limiting', extra),
    ]);
    expect(config.plugins).toBeUndefined();
    expect(config.services).toHaveLength(1);
    const e = errorsFor(errors, 'KongPlugin', 'p');
    expect(e[0]).toMatchObject({ dropped: true });
    expect(e[0]!.reason).toContain(reason);
    expect(JSON.stringify(errors)).not.toContain('hunter2');
  });

  it('an empty config is omitted and may sit next to configFrom (KIC); a root configPatch replaces the config', () => {
    const objs = (extra: Record<string, unknown>) => [
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      secret('conf', { cfg: '{"minute": 2}' }),
      kongPlugin('p', 'rate-limiting', extra),
    ];
    expect(run(objs({ config: {} })).config.plugins?.[0]).not.toHaveProperty('config');
    expect(
      run(objs({ config: {}, configFrom: { secretKeyRef: { name: 'conf', key: 'cfg' } } })).config
        .plugins?.[0]?.config,
    ).toEqual({ minute: 2 });
    const root = run(
      objs({
        config: { hour: 1 },
        configPatches: [{ path: '', valueFrom: { secretKeyRef: { name: 'conf', key: 'cfg' } } }],
      }),
    );
    expect(root.config.plugins?.[0]?.config).toEqual({ minute: 2 });
  });

  it('a referenced plugin that does not exist is reported on the referrer', () => {
    const { errors } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'ghost' } }),
      service('svc'),
    ]);
    expect(errorsFor(errors, 'Ingress', 'i')[0]?.reason).toContain('"ghost" not found');
  });

  it('a plugin without the plugin field is reported', () => {
    const { errors } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'p' } }),
      service('svc'),
      {
        apiVersion: 'configuration.konghq.com/v1',
        kind: 'KongPlugin',
        metadata: { name: 'p', namespace: 'default' },
      },
    ]);
    expect(errorsFor(errors, 'KongPlugin', 'p')[0]?.reason).toContain('plugin field');
  });

  it('global KongClusterPlugins of our class apply without foreign keys; duplicates cancel out', () => {
    const global = (name: string) =>
      clusterPlugin(
        name,
        'prometheus',
        {},
        { labels: { global: 'true' }, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
      );
    expect(run([global('a')]).config.plugins).toEqual([
      {
        id: kongEntityId('plugins', 'prometheus'),
        name: 'prometheus',
        tags: [
          'k8s-name:a',
          'k8s-kind:KongClusterPlugin',
          'k8s-group:configuration.konghq.com',
          'k8s-version:v1',
        ],
      },
    ]);
    const dup = run([global('a'), global('b')]);
    expect(dup.config.plugins).toBeUndefined();
    expect(errorsFor(dup.errors, 'KongClusterPlugin', 'b')[0]?.reason).toContain('several global');
    const otherClass = clusterPlugin('c', 'prometheus', {}, { labels: { global: 'true' } });
    expect(run([otherClass]).config.plugins).toBeUndefined();
  });
});
