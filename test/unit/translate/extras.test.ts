import { kongEntityId } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { errorsFor, ingress, kongPlugin, run, service } from './helpers.ts';

const vault = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'configuration.konghq.com/v1alpha1',
  kind: 'KongVault',
  metadata: { name, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
  spec,
});

const customEntity = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'configuration.konghq.com/v1alpha1',
  kind: 'KongCustomEntity',
  metadata: { name, namespace: 'default' },
  spec: { controllerName: 'kong', ...spec },
});

describe('KongVault', () => {
  it('becomes a vault with an id from its prefix; invalid and duplicate prefixes are rejected', () => {
    const { config, errors } = run([
      vault('env', {
        backend: 'env',
        prefix: 'my-env',
        description: 'env vault',
        config: { prefix: 'KONG_' },
      }),
      vault('z-dup', { backend: 'env', prefix: 'my-env' }),
      vault('bad', { backend: 'env' }),
    ]);
    expect(config.vaults).toEqual([
      {
        id: kongEntityId('vaults', 'my-env'),
        name: 'env',
        prefix: 'my-env',
        description: 'env vault',
        config: { prefix: 'KONG_' },
        tags: [
          'k8s-name:env',
          'k8s-kind:KongVault',
          'k8s-group:configuration.konghq.com',
          'k8s-version:v1alpha1',
        ],
      },
    ]);
    expect(errorsFor(errors, 'KongVault', 'z-dup')[0]?.reason).toContain('already used');
    expect(errorsFor(errors, 'KongVault', 'bad')[0]?.reason).toContain('required');
  });
});

describe('KongCustomEntity', () => {
  it('service-scoped entities reference the Kong service of the routes their parent plugin is bound to', () => {
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'dg' } }),
      service('svc'),
      kongPlugin('dg', 'degraphql', { config: { graphql_server_path: '/graphql' } }),
      customEntity('ce', {
        type: 'degraphql_routes',
        parentRef: { group: 'configuration.konghq.com', kind: 'KongPlugin', name: 'dg' },
        fields: { uri: '/contacts', query: 'query{ contacts { name } }' },
      }),
    ]);
    expect(config.degraphql_routes).toEqual([
      {
        uri: '/contacts',
        query: 'query{ contacts { name } }',
        service: { id: kongEntityId('services', 'default.svc.80') },
      },
    ]);
  });

  it('is skipped for another controller or with the flag off; bad types and fields are rejected', () => {
    const other = customEntity('o', { controllerName: 'other', type: 'degraphql_routes', fields: {} });
    expect(run([other]).config.degraphql_routes).toBeUndefined();
    const ok = customEntity('ok', { type: 'degraphql_routes', fields: { uri: '/' } });
    expect(run([ok], { featureFlags: { KongCustomEntity: false } }).config.degraphql_routes).toBeUndefined();
    const { errors } = run([
      customEntity('reserved', { type: 'services', fields: {} }),
      customEntity('nofields', { type: 'degraphql_routes', fields: 'x' }),
    ]);
    expect(errorsFor(errors, 'KongCustomEntity', 'reserved')[0]?.reason).toContain('spec.type');
    expect(errorsFor(errors, 'KongCustomEntity', 'nofields')[0]?.reason).toContain('spec.fields');
  });
});

describe('more annotation edge cases', () => {
  it('konghq.com/plugins tolerates spaces and empty items', () => {
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': ' ,a, ,' } }),
      service('svc'),
      kongPlugin('a', 'cors'),
    ]);
    expect(config.plugins?.map((p) => p.name)).toEqual(['cors']);
  });

  it('empty konghq.com/headers.* values and names are ignored', () => {
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/headers.x': '', 'konghq.com/headers.': 'v' } }),
      service('svc'),
    ]);
    expect(config.services?.[0]?.routes?.[0]?.headers).toBeUndefined();
  });

  it('konghq.com/tags on a Service tag its Kong service and upstream', () => {
    const { config } = run([ingress('i'), service('svc', { annotations: { 'konghq.com/tags': 'team-a' } })]);
    expect(config.services?.[0]?.tags?.at(-1)).toBe('team-a');
    expect(config.upstreams?.[0]?.tags?.at(-1)).toBe('team-a');
  });

  it('an ExternalName Service needs a numeric backend port', () => {
    const { errors } = run([
      ingress('i', { port: { name: 'http' } }),
      service('svc', { ports: [], spec: { type: 'ExternalName', externalName: 'x.org' } }),
    ]);
    expect(errorsFor(errors, 'Service', 'svc')[0]?.reason).toContain('ExternalName');
  });
});
