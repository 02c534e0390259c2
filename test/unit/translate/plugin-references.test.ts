import { describe, expect, it } from 'vitest';
import { buildWithFallback } from '../../../kong/translate/index.ts';
import { parsePluginReference } from '../../../kong/translate/plugin-references.ts';
import { consumer, errorsFor, ingress, kongPlugin, run, service } from './helpers.ts';

const grant = (from: { group: string; kind: string; namespace: string }, name?: string, ns = 'pwuh') => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { name: `allow-${from.kind.toLowerCase()}`, namespace: ns },
  spec: {
    from: [from],
    to: [{ group: 'configuration.konghq.com', kind: 'KongPlugin', ...(name ? { name } : {}) }],
  },
});
const fromIngress = { group: 'networking.k8s.io', kind: 'Ingress', namespace: 'default' };
const remotePlugin = kongPlugin('test', 'correlation-id', { config: { header_name: 'x-remote' } }, 'pwuh');
const annotated = ingress('web', { annotations: { 'konghq.com/plugins': 'pwuh:test' } });

describe('cross-namespace plugin references (konghq.com/plugins: namespace:name)', () => {
  it('parses namespace:name as KIC does, plain names stay local', () => {
    expect(parsePluginReference('pwuh:test')).toEqual({ text: 'pwuh:test', namespace: 'pwuh', name: 'test' });
    expect(parsePluginReference('test')).toEqual({ text: 'test', name: 'test' });
  });

  it('binds the other namespace’s KongPlugin when a ReferenceGrant there allows the referring kind', () => {
    const { config, errors } = run([annotated, service('svc'), remotePlugin, grant(fromIngress)]);
    expect(errors).toEqual([]);
    expect(config.plugins).toEqual([
      expect.objectContaining({
        name: 'correlation-id',
        route: 'default.web.svc..80',
        config: expect.objectContaining({ header_name: 'x-remote' }),
        tags: expect.arrayContaining(['k8s-namespace:pwuh', 'k8s-name:test', 'k8s-kind:KongPlugin']),
      }),
    ]);
    // A grant naming this plugin is as good as one for all KongPlugins.
    const named = run([annotated, service('svc'), remotePlugin, grant(fromIngress, 'test')]);
    expect(named.config.plugins).toHaveLength(1);
  });

  it('refuses without a matching grant, with a clear Event on the referrer, and ships the rest', () => {
    const cases = {
      'no grant': [],
      'grant in the wrong namespace': [grant(fromIngress, undefined, 'default')],
      'grant for another kind': [grant({ group: '', kind: 'Service', namespace: 'default' })],
      'grant from another namespace': [grant({ ...fromIngress, namespace: 'elsewhere' })],
      'grant for another plugin': [grant(fromIngress, 'other')],
    };
    for (const [label, grants] of Object.entries(cases)) {
      const { config, errors } = run([annotated, service('svc'), remotePlugin, ...grants]);
      expect(config.plugins, label).toBeUndefined();
      expect(config.services?.[0]?.routes, label).toHaveLength(1);
      expect(errorsFor(errors, 'Ingress', 'web'), label).toEqual([
        {
          object: expect.objectContaining({ kind: 'Ingress', namespace: 'default', name: 'web' }),
          reason:
            'no grant found to referenced "pwuh:test" plugin in the requested remote KongPlugin bind ' +
            '(a ReferenceGrant in namespace "pwuh" must allow Ingress (networking.k8s.io) from namespace ' +
            '"default" to KongPlugin configuration.konghq.com); plugin not applied',
          dropped: false,
        },
      ]);
    }
  });

  it('works from Services and KongConsumers too, each checked as its own kind', () => {
    const svc = service('svc', { annotations: { 'konghq.com/plugins': 'pwuh:test' } });
    const alice = consumer('alice', { username: 'alice' }, { 'konghq.com/plugins': 'pwuh:test' });
    const onlyService = run([
      ingress('web'),
      svc,
      alice,
      remotePlugin,
      grant({ group: '', kind: 'Service', namespace: 'default' }),
    ]);
    expect(onlyService.config.plugins).toEqual([
      // The consumer's binding is refused, so the Service's stands alone (no consumer × service combination).
      expect.objectContaining({ name: 'correlation-id', service: 'default.svc.80' }),
    ]);
    expect(errorsFor(onlyService.errors, 'KongConsumer', 'alice')[0]?.reason).toContain('no grant found');
    const both = run([
      ingress('web'),
      svc,
      alice,
      remotePlugin,
      grant({ group: '', kind: 'Service', namespace: 'default' }),
      {
        ...grant({ group: 'configuration.konghq.com', kind: 'KongConsumer', namespace: 'default' }),
        metadata: { name: 'consumers', namespace: 'pwuh' },
      },
    ]);
    expect(both.errors).toEqual([]);
    expect(both.config.plugins).toEqual([
      expect.objectContaining({ name: 'correlation-id', service: 'default.svc.80', consumer: 'alice' }),
    ]);
  });

  it('a missing remote plugin is named with its namespace; a broken one takes its referrer out (fallback)', () => {
    const missing = run([annotated, service('svc'), grant(fromIngress)]);
    expect(errorsFor(missing.errors, 'Ingress', 'web')[0]?.reason).toBe(
      'KongPlugin or KongClusterPlugin "pwuh:test" not found; plugin not applied',
    );
    const broken = kongPlugin('test', 'correlation-id', { config: { nope: true } }, 'pwuh');
    const result = buildWithFallback([annotated, service('svc'), broken, grant(fromIngress)], {
      settings: { gatewayAttachment: 'unfiltered' },
    });
    // The route never ships without the plugin it asked for (the Ingress depends on pwuh/test).
    expect(result.config.services).toBeUndefined();
    expect(result.excluded.map((e) => `${e.object.kind}/${e.object.name}`)).toEqual(
      expect.arrayContaining(['Ingress/web', 'KongPlugin/test']),
    );
  });
});
