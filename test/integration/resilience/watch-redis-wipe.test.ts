import { NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type WatchedStore, WatchSet } from '../../../k8s/watch-set.ts';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import { ObjectStore } from '../../../queue/store/object-store.ts';
import { SnapshotCache } from '../../../queue/store/snapshot-cache.ts';
import { pathIngress } from '../../../testing/path-ingress.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig } from '../../helpers/kube.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

const ingressKind = watchedKinds.filter((kind) => kind.kind === 'Ingress');

/**
 * Redis wiped while the cluster keeps changing (issue 12, "Redis wiped": `npm run chaos` lost 12 and 26 of
 * 90 changes). The watchers write what happens right after the wipe into the empty store before the
 * guard notices the sync mark is gone and lists everything again, so the new revisions pass the one a
 * build worker's cache holds from before: read incrementally, the cache never sees the objects written
 * first. The guard check is held by the test so that this order is certain.
 */
describe('the watch set and a build cache when Redis is wiped mid-burst (issue 12)', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('lists everything again and the cache from before the wipe ends up with every object', async () => {
    const prefix = uniquePrefix('wipe');
    const redis = new Redis(redisUrl());
    stops.push(() => redis.disconnect());
    stops.push(() => deleteKeysWithPrefix(prefix));
    const store = new ObjectStore({ redis, prefix });
    let releaseGuard: () => void = () => {};
    let guardHeld: Promise<void> = Promise.resolve();
    const guarded: WatchedStore = {
      put: (key, json) => store.put(key, json),
      delete: (key) => store.delete(key),
      replaceAll: (keyPrefix, objects) => store.replaceAll(keyPrefix, objects),
      setSynced: (token) => store.setSynced(token),
      syncedToken: async () => {
        await guardHeld;
        return store.syncedToken();
      },
    };
    const namespace = await freshNamespace('wipe');
    const networking = kubeConfig().makeApiClient(NetworkingV1Api);
    const before = Array.from({ length: 5 }, (_, i) => `z-before-${i}`);
    for (const name of before)
      await networking.createNamespacedIngress({ namespace, body: pathIngress(namespace, name) });

    const reasons: string[] = [];
    const watchSet = new WatchSet({
      kubeConfig: kubeConfig(),
      store: guarded,
      namespaces: [namespace],
      kinds: ingressKind,
      onChange: (reason) => reasons.push(reason),
      logger: pino({ level: 'silent' }),
      guardIntervalMs: 100,
    });
    const stop = new AbortController();
    const running = watchSet.run(stop.signal);
    stops.push(async () => {
      releaseGuard();
      stop.abort();
      await running;
    });
    await eventually(() => watchSet.ready(), { timeoutMs: 30_000, description: 'the first list' });
    // Changes before the wipe: the revision the cache will hold is well past the number of objects.
    for (const round of [1, 2])
      for (const name of before)
        await networking.patchNamespacedIngress(
          { namespace, name, body: { metadata: { annotations: { round: String(round) } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
    await eventually(async () => (await store.revision()) >= before.length * 3, {
      timeoutMs: 30_000,
      description: 'the updates stored',
    });
    const cache = new SnapshotCache(); // a build worker's, read once before the wipe
    await cache.refresh(store);
    expect(cache.size).toBe(before.length);

    guardHeld = new Promise((resolve) => {
      releaseGuard = resolve;
    });
    // Let a guard check that already read the mark finish, so the next one waits for the release.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Redis restarted empty. The re-list writes in name order: the Ingresses made meanwhile ("a-…") get
    // revisions the cache already counts as seen.
    await deleteKeysWithPrefix(prefix);
    const during = Array.from({ length: 10 }, (_, i) => `a-during-${i}`);
    for (const name of during)
      await networking.createNamespacedIngress({ namespace, body: pathIngress(namespace, name) });
    await eventually(async () => (await store.changesSince(0)).changes.length === during.length, {
      timeoutMs: 30_000,
      intervalMs: 100,
      description: 'the watchers to write the new Ingresses into the wiped store',
    });
    const syncsBefore = reasons.filter((reason) => reason === 'initial sync').length;
    releaseGuard();

    await eventually(
      async () =>
        watchSet.ready() &&
        (await store.syncedToken()) !== null &&
        reasons.filter((reason) => reason === 'initial sync').length > syncsBefore,
      { timeoutMs: 30_000, intervalMs: 100, description: 'the watch set to list again and ask for a build' },
    );
    expect(await store.revision()).toBeGreaterThan(cache.revision); // past what the cache holds
    await cache.refresh(store);
    const names = [...cache.objects()].map(([key]) => key.split('/').pop()).sort();
    expect(names).toEqual([...before, ...during].sort());
  });
});
