/**
 * "The fleet runs the desired configuration", checked where each party records it: every simulated
 * proxy reports the controller's desired hash itself, the controller's own view (what `kong-fleet
 * status` prints) calls each Synced, and each ProxyInstance says so too (what `kubectl get` prints).
 */

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { viewOfProxy } from '../../jobs/proxy-state.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { connectRedis, createRedisConnection } from '../../queue/connection.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import { ProxyRegistry } from '../../queue/store/proxy-registry.ts';

/** A proxy that reports its own configuration hash (a simulated proxy, or one in a pod). */
export interface ReportingProxy {
  readonly id: string;
  state(): { configurationHash: string } | Promise<{ configurationHash: string }>;
}

export interface ConvergenceOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly proxies: readonly ReportingProxy[];
  readonly kubeConfig: KubeConfig;
  /** Where the controller keeps its ProxyInstances. */
  readonly namespace: string;
  /** The controller's drift interval: `status` calls a proxy stale after 3 intervals + 5 s. */
  readonly driftIntervalMs: number;
  readonly signal?: AbortSignal;
  /** @defaultValue 60000 */
  readonly timeoutMs?: number;
}

interface ProxyInstanceItem {
  metadata?: { name?: string };
  status?: { state?: string; actualHash?: string };
}

/** Resolves to the desired hash once every proxy runs it and both the controller and Kubernetes say Synced. */
export async function waitForConvergence(options: ConvergenceOptions): Promise<string> {
  const { proxies, namespace } = options;
  const redis = createRedisConnection(options.redisUrl, 'producer', 'demo');
  redis.on('error', () => {});
  await connectRedis(redis);
  const builds = new BuildStore({ redis, prefix: options.prefix });
  const registry = new ProxyRegistry({ redis, prefix: options.prefix });
  const objects = options.kubeConfig.makeApiClient(CustomObjectsApi);
  const staleAfterMs = 3 * options.driftIntervalMs + 5000;
  try {
    return await waitFor(
      async () => {
        const desired = (await builds.desired())?.hash;
        if (!desired) throw new Error('no configuration has been built yet');
        const hashes = await Promise.all(
          proxies.map(async (proxy) => (await proxy.state()).configurationHash),
        );
        const behind = proxies.filter((_, i) => hashes[i] !== desired);
        if (behind.length > 0)
          throw new Error(`${behind.map((p) => p.id).join(', ')} not at the desired hash ${desired} yet`);
        const now = Date.now();
        for (const proxy of proxies) {
          const view = viewOfProxy(await registry.status(proxy.id), desired, now, staleAfterMs);
          if (view.state !== 'Synced') throw new Error(`the controller sees ${proxy.id} as ${view.state}`);
        }
        const list = (await objects.listNamespacedCustomObject({
          group: 'kongfleet.io',
          version: 'v1alpha1',
          namespace,
          plural: 'proxyinstances',
        })) as { items?: ProxyInstanceItem[] };
        const synced = (list.items ?? []).filter(
          (item) => item.status?.state === 'Synced' && item.status.actualHash === desired,
        );
        if (synced.length < proxies.length)
          throw new Error(`${synced.length} of ${proxies.length} ProxyInstances in ${namespace} say Synced`);
        return desired;
      },
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 250,
        description: 'every proxy to run the desired configuration',
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } finally {
    redis.disconnect();
  }
}
