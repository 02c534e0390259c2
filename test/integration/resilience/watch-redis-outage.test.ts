import { NetworkingV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchSet } from '../../../k8s/watch-set.ts';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import { connectRedis, createRedisConnection } from '../../../queue/connection.ts';
import { ObjectStore } from '../../../queue/store/object-store.ts';
import { pathIngress } from '../../../testing/path-ingress.ts';
import { type LocalRedis, startLocalRedis } from '../../../testing/redis-server.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig } from '../../helpers/kube.ts';

const ingressKind = watchedKinds.filter((kind) => kind.kind === 'Ingress');

describe('the watch set when Redis dies during a burst (issue 12, defect 2)', () => {
  let redis: LocalRedis | undefined;
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await redis?.stop();
  });

  it('neither rejects nor leaks a rejection, and stores the whole burst once Redis is back empty', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    stops.push(() => void process.off('unhandledRejection', onUnhandled));

    redis = await startLocalRedis();
    const port = redis.port;
    const connection = createRedisConnection(redis.url, 'producer');
    connection.on('error', () => {});
    await connectRedis(connection);
    stops.push(() => connection.disconnect());
    const store = new ObjectStore({ redis: connection, prefix: 'outage' });
    const namespace = await freshNamespace('outage');
    const watchSet = new WatchSet({
      kubeConfig: kubeConfig(),
      store,
      namespaces: [namespace],
      kinds: ingressKind,
      onChange: () => {},
      logger: pino({ level: 'silent' }),
      guardIntervalMs: 200,
    });
    const stop = new AbortController();
    let outcome: 'running' | 'resolved' | 'rejected' = 'running';
    const running = watchSet.run(stop.signal).then(
      () => {
        outcome = 'resolved';
      },
      () => {
        outcome = 'rejected';
      },
    );
    stops.push(async () => {
      stop.abort();
      await running;
    });
    await eventually(() => watchSet.ready(), { timeoutMs: 20_000, description: 'the first list' });

    const networking = kubeConfig().makeApiClient(NetworkingV1Api);
    const names = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    for (const [i, name] of names.entries()) {
      if (i === 10) redis.process.kill('SIGKILL');
      await networking.createNamespacedIngress({ namespace, body: pathIngress(namespace, name) });
    }
    await eventually(() => redis!.process.exitCode !== null || redis!.process.signalCode !== null);
    // Writes failed while Redis was away; give them the chance to escape as unhandled rejections.
    await eventually(() => !watchSet.ready(), { timeoutMs: 20_000, description: 'the watch set to notice' });
    redis = await startLocalRedis({ port }); // empty: no AOF, a fresh directory

    await eventually(
      async () => {
        if (!watchSet.ready()) return false;
        const { changes } = await store.changesSince(0);
        const stored = new Set(changes.map((change) => change.key.split('/').pop()));
        return names.every((name) => stored.has(name));
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'every burst Ingress in the new Redis' },
    );
    expect(outcome).toBe('running');
    expect(unhandled).toEqual([]);
  });
});
