import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../workers/config.ts';
import { kubeconfigPath } from '../../helpers/kube.ts';
import { DEPLOY_DIR, find, type Manifest, render } from './overlay.ts';
import { container, podSpec } from './pod-template.ts';

/** deploy with the optional Sentinel component, as an operator's overlay would include it. */
async function renderWithSentinel(): Promise<Manifest[]> {
  const dir = await mkdtemp(join(dirname(kubeconfigPath()), 'sentinel-overlay-'));
  try {
    await writeFile(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${relative(dir, DEPLOY_DIR)}`,
        'components:',
        `  - ${relative(dir, join(DEPLOY_DIR, 'components/redis-sentinel'))}`,
        '',
      ].join('\n'),
    );
    return await render(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the Redis Sentinel component (deploy/components/redis-sentinel)', () => {
  it('replaces the single Redis with two nodes and three Sentinels the controller asks for the primary', async () => {
    const rendered = await renderWithSentinel();
    expect(rendered.some((m) => m.kind === 'Deployment' && m.metadata?.name === 'redis')).toBe(false);
    expect(
      rendered.some((m) => m.kind === 'PersistentVolumeClaim' && m.metadata?.name === 'redis-data'),
    ).toBe(false);
    const nodes = find(rendered, 'StatefulSet', 'redis-node') as Manifest & { spec: { replicas: number } };
    const sentinels = find(rendered, 'StatefulSet', 'redis-sentinel') as Manifest & {
      spec: { replicas: number; serviceName: string };
    };
    expect(nodes.spec.replicas).toBe(2);
    expect(sentinels.spec.replicas).toBe(3);

    // The controller's settings parse and name every Sentinel pod and the monitored name.
    const env = container(podSpec(find(rendered, 'Deployment', 'kong-fleet')), 'controller').env ?? [];
    const value = (name: string) => env.filter((v) => v.name === name).map((v) => v.value);
    expect(value('KONG_FLEET_REDIS_URL')).toHaveLength(1);
    const [sentinelList] = value('KONG_FLEET_REDIS_SENTINELS');
    const [sentinelName] = value('KONG_FLEET_REDIS_SENTINEL_NAME');
    const { settings } = parseSettings({
      argv: [],
      env: {
        KONG_FLEET_REDIS_URL: value('KONG_FLEET_REDIS_URL')[0]!,
        KONG_FLEET_REDIS_SENTINELS: sentinelList!,
        KONG_FLEET_REDIS_SENTINEL_NAME: sentinelName!,
      },
    });
    expect(settings.redisSentinels.map(({ host }) => host)).toEqual(
      Array.from({ length: 3 }, (_, i) => `redis-sentinel-${i}.${sentinels.spec.serviceName}`),
    );
    const conf = (find(rendered, 'ConfigMap', 'redis-sentinel-config').data as Record<string, string>)[
      'sentinel.conf'
    ]!;
    expect(conf).toMatch(new RegExp(`^sentinel monitor ${sentinelName} redis-node-0\\.redis-node\\.`, 'm'));
    const script = (find(rendered, 'ConfigMap', 'redis-sentinel-config').data as Record<string, string>)[
      'start-node.sh'
    ]!;
    expect(script).toContain(`get-master-addr-by-name ${sentinelName}`);
  });
});
