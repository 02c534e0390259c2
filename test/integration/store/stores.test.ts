import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BuildStore } from '../../../queue/store/build-store.ts';
import { ObjectStore } from '../../../queue/store/object-store.ts';
import { ProxyRegistry } from '../../../queue/store/proxy-registry.ts';
import { SnapshotCache } from '../../../queue/store/snapshot-cache.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterAll(() => redis.disconnect());

describe('ObjectStore', () => {
  const prefix = uniquePrefix('objects');
  afterEach(() => deleteKeysWithPrefix(prefix));

  it('bumps the revision once per real change and never for an identical write', async () => {
    const store = new ObjectStore({ redis, prefix });
    expect(await store.put('Service/default/a', '{"v":1}')).toEqual({ revision: 1, changed: true });
    expect(await store.put('Service/default/a', '{"v":1}')).toEqual({ revision: 1, changed: false });
    expect(await store.put('Service/default/a', '{"v":2}')).toEqual({ revision: 2, changed: true });
    expect(await store.delete('Service/default/a')).toEqual({ revision: 3, changed: true });
    expect(await store.delete('Service/default/a')).toEqual({ revision: 3, changed: false });
  });

  it('lets a cache catch up with only what changed, and re-reads everything when it is too far behind', async () => {
    const store = new ObjectStore({ redis, prefix, changeLogLength: 10 });
    for (let i = 0; i < 5; i++) await store.put(`Service/default/s${i}`, `{"i":${i}}`);
    const cache = new SnapshotCache();
    const first = await cache.refresh(store);
    expect(first).toMatchObject({ revision: 5, full: true });
    expect(cache.size).toBe(5);

    await store.put('Service/default/s1', '{"i":"changed"}');
    await store.delete('Service/default/s2');
    const second = await cache.refresh(store);
    expect(second).toEqual({
      revision: 7,
      full: false,
      changed: ['Service/default/s1', 'Service/default/s2'],
    });
    expect(new Map(cache.objects()).get('Service/default/s1')).toEqual({ i: 'changed' });
    expect(new Map(cache.objects()).has('Service/default/s2')).toBe(false);

    const stale = new SnapshotCache();
    await stale.refresh(store);
    for (let i = 0; i < 40; i++) await store.put(`Service/default/t${i}`, '{}'); // the stream is capped near 10
    const behind = new SnapshotCache();
    // A cache at revision 7 asks after the stream has dropped revision 8: full re-read.
    await behind.refresh(store);
    const refreshed = await stale.refresh(store);
    expect(refreshed.full).toBe(true);
    expect(stale.size).toBe(behind.size);
    expect(stale.size).toBe(44);
  });

  it('deletes, after a re-list, the objects of a kind that disappeared while nobody watched', async () => {
    const store = new ObjectStore({ redis, prefix });
    await store.put('Service/default/keep', '{"a":1}');
    await store.put('Service/default/gone', '{}');
    await store.put('Ingress.networking.k8s.io/default/other-kind', '{}');
    const { changed } = await store.replaceAll(
      'Service/',
      new Map([
        ['Service/default/keep', '{"a":1}'],
        ['Service/default/new', '{}'],
      ]),
    );
    expect(changed).toBe(2);
    const cache = new SnapshotCache();
    await cache.refresh(store);
    expect([...new Map(cache.objects()).keys()].sort()).toEqual([
      'Ingress.networking.k8s.io/default/other-kind',
      'Service/default/keep',
      'Service/default/new',
    ]);
  });

  it('makes a cache from before a wipe read everything, even once the revision passed its own (issue 12)', async () => {
    const store = new ObjectStore({ redis, prefix });
    for (let i = 0; i < 3; i++) await store.put(`Service/default/s${i}`, `{"v":"before"}`);
    const cache = new SnapshotCache();
    expect(await cache.refresh(store)).toMatchObject({ revision: 3, full: true });

    // Redis restarted empty; what happens in the cluster meanwhile is written first, the re-list after.
    await deleteKeysWithPrefix(prefix);
    await store.put('Service/default/new-during-wipe', '{}');
    await store.put('Service/default/s0', '{"v":"changed during the wipe"}');
    await store.put('Service/default/s1', '{"v":"before"}');
    await store.put('Service/default/s2', '{"v":"before"}');
    expect(await store.revision()).toBe(4); // past the cache's 3: an incremental read would see only s2

    expect(await cache.refresh(store)).toMatchObject({ revision: 4, full: true });
    expect(new Map(cache.objects())).toEqual(
      new Map([
        ['Service/default/new-during-wipe', {}],
        ['Service/default/s0', { v: 'changed during the wipe' }],
        ['Service/default/s1', { v: 'before' }],
        ['Service/default/s2', { v: 'before' }],
      ]),
    );
    // Within one epoch the cache stays incremental.
    await store.put('Service/default/s1', '{"v":"after"}');
    expect(await cache.refresh(store)).toEqual({ revision: 5, full: false, changed: ['Service/default/s1'] });
  });

  it('lifts an exclusion as soon as the excluded object changes', async () => {
    const store = new ObjectStore({ redis, prefix });
    await store.put('KongPlugin.configuration.konghq.com/default/p', '{"v":1}');
    const exclusion = { reason: 'unknown field', configHash: 'a'.repeat(32), proxy: 'kong-0', at: 'now' };
    await store.exclude('KongPlugin.configuration.konghq.com/default/p', exclusion);
    expect([...(await store.exclusions()).entries()]).toEqual([
      ['KongPlugin.configuration.konghq.com/default/p', exclusion],
    ]);
    await store.put('KongPlugin.configuration.konghq.com/default/p', '{"v":1}'); // unchanged: stays excluded
    expect((await store.exclusions()).size).toBe(1);
    await store.put('KongPlugin.configuration.konghq.com/default/p', '{"v":2}');
    expect((await store.exclusions()).size).toBe(0);
  });

  it('records which leader session completed the initial lists', async () => {
    const store = new ObjectStore({ redis, prefix });
    expect(await store.syncedToken()).toBeNull();
    await store.setSynced('leader-1');
    expect(await store.syncedToken()).toBe('leader-1');
    await store.setSynced(null);
    expect(await store.syncedToken()).toBeNull();
  });
});

describe('BuildStore', () => {
  const prefix = uniquePrefix('builds');
  afterEach(() => deleteKeysWithPrefix(prefix));
  const record = (hash: string, revision: number) => ({
    hash,
    revision,
    createdAt: new Date().toISOString(),
    sizeBytes: 10,
    durationMs: 1,
    droppedObjects: 0,
  });

  it('never lets an older revision overwrite a newer desired build', async () => {
    const builds = new BuildStore({ redis, prefix });
    expect(await builds.advanceDesired('h10', 10)).toEqual({ advanced: true, previous: '' });
    expect(await builds.advanceDesired('h9', 9)).toEqual({ advanced: false, previous: 'h10' });
    expect(await builds.advanceDesired('h10b', 10)).toEqual({ advanced: true, previous: 'h10' });
    expect((await builds.desired())?.hash).toBe('h10b');
  });

  it('keeps the last few builds and always the desired one', async () => {
    const builds = new BuildStore({ redis, prefix, keep: 2 });
    await builds.save('text-a', record('a', 1));
    await builds.advanceDesired('a', 1);
    await builds.save('text-b', record('b', 2));
    await builds.save('text-c', record('c', 3));
    await builds.save('text-d', record('d', 4));
    expect((await builds.recent()).map((r) => r.hash)).toEqual(['d', 'c']);
    expect(await builds.text('a')).toBe('text-a'); // desired, kept although evicted from the list
    expect(await builds.text('b')).toBeNull();
    expect(await builds.text('d')).toBe('text-d');
  });

  it('records the profiles a build was made for, gaining those of a rebuild that gave the same text (issue 20)', async () => {
    const builds = new BuildStore({ redis, prefix, keep: 1 });
    const v311 = {
      kongVersion: '3.11.0',
      routerFlavor: 'traditional_compatible',
      edition: 'community',
    } as const;
    const v391 = { ...v311, kongVersion: '3.9.1' } as const;
    expect(await builds.save('text-a', { ...record('a', 1), profiles: [] })).toEqual({ newProfiles: [] });
    expect(await builds.madeFor('a', v311)).toBe(false); // made before any proxy reported
    expect(await builds.save('text-a', { ...record('a', 2), profiles: [v311] })).toEqual({
      newProfiles: [v311],
    });
    expect(await builds.madeFor('a', v311)).toBe(true);
    expect(await builds.madeFor('a', v391)).toBe(false);
    expect(await builds.save('text-a', { ...record('a', 3), profiles: [v311, v391] })).toEqual({
      newProfiles: [v391],
    });
    expect(await builds.madeFor('a', v391)).toBe(true);
    // A later build of fewer profiles takes none away: the text passed validation for each of them.
    expect(await builds.save('text-a', { ...record('a', 4), profiles: [v311] })).toEqual({ newProfiles: [] });
    expect((await builds.record('a'))?.profiles).toEqual([v311, v391]);
    // Saved without profiles (before they were recorded): any proxy may be sent it.
    await builds.save('text-b', record('b', 5));
    expect(await builds.madeFor('b', v391)).toBe(true);
    expect((await builds.record('b'))?.profiles).toBeUndefined();
    // Evicted with the build.
    await builds.save('text-c', record('c', 6));
    expect(await redis.exists(`${prefix}:builds:a:profiles`)).toBe(0);
  });
});

describe('ProxyRegistry', () => {
  const prefix = uniquePrefix('proxies');
  afterEach(() => deleteKeysWithPrefix(prefix));

  it('replaces the proxies of one source and forgets removed ones with their status', async () => {
    const registry = new ProxyRegistry({ redis, prefix });
    const a = { id: 'kong-a', adminUrl: 'https://10.0.0.1:8444', source: 'EndpointSlice' as const };
    const b = { id: 'kong-b', adminUrl: 'https://10.0.0.2:8444', source: 'EndpointSlice' as const };
    const s = { id: 'static-1', adminUrl: 'https://proxy.example:8444', source: 'Static' as const };
    await registry.replaceSource('Static', [s]);
    expect(await registry.replaceSource('EndpointSlice', [a, b])).toEqual({
      added: [a, b],
      removed: [],
      updated: [],
    });
    await registry.updateStatus('kong-b', { state: 'Synced', actualHash: 'x' });
    const moved = { ...b, adminUrl: 'https://10.0.0.3:8444' };
    expect(await registry.replaceSource('EndpointSlice', [moved])).toEqual({
      added: [],
      removed: ['kong-a'],
      updated: [moved],
    });
    expect((await registry.list()).map((p) => p.id)).toEqual(['kong-b', 'static-1']);
    expect(await registry.status('kong-b')).toMatchObject({ state: 'Synced', actualHash: 'x' });
    await registry.replaceSource('EndpointSlice', []);
    expect(await registry.status('kong-b')).toEqual({});
  });

  it('ignores status for a proxy it does not know and removes fields set to null', async () => {
    const registry = new ProxyRegistry({ redis, prefix });
    await registry.updateStatus('ghost', { state: 'Synced' });
    expect(await redis.exists(`${prefix}:proxy-status:ghost`)).toBe(0);
    await registry.replaceSource('Static', [{ id: 'p', adminUrl: 'https://p:8444', source: 'Static' }]);
    await registry.updateStatus('p', { state: 'Rejected', lastError: 'bad' });
    await registry.updateStatus('p', { state: 'Synced', lastError: null });
    const status = await registry.status('p');
    expect(status.state).toBe('Synced');
    expect(status.lastError).toBeUndefined();
  });

  it('gives back counters as numbers and conditions as records, whatever the encoding', async () => {
    const registry = new ProxyRegistry({ redis, prefix });
    await registry.replaceSource('Static', [{ id: 'p', adminUrl: 'https://p:8444', source: 'Static' }]);
    const conditions = [
      { type: 'Ready', status: 'True' as const, reason: 'Reachable', message: 'ok', lastTransitionTime: 't' },
    ];
    await registry.updateStatus('p', { repairAttempts: 3, instanceConditions: conditions });
    expect(await registry.status('p')).toMatchObject({ repairAttempts: 3, instanceConditions: conditions });
    await registry.updateStatus('p', { repairAttempts: null, instanceConditions: null });
    const status = await registry.status('p');
    expect(status.repairAttempts).toBeUndefined();
    expect(status.instanceConditions).toBeUndefined();
  });
});
