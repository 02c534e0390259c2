import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyCounters } from '../../../kong/traffic/fleet-series.ts';
import { TrafficStore } from '../../../queue/store/traffic-store.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

const key = (route: string, code = 200) =>
  `kong_fleet_http_requests_total{service="shop",route="${route}",code="${code}"}`;
const counters = (nodeId: string, values: Record<string, number>): ProxyCounters => ({
  nodeId,
  series: Object.fromEntries(Object.entries(values).map(([route, value]) => [key(route), value])),
});

let redis: Redis;
let other: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl());
  // A second replica's connection.
  other = new Redis(redisUrl());
});
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});

describe('TrafficStore', () => {
  const prefix = uniquePrefix('traffic-store');
  afterEach(() => deleteKeysWithPrefix(prefix));

  it('adds growth once, keeps the pre-restart total across a restart, and never goes down', async () => {
    const store = new TrafficStore({ redis, prefix });
    const t0 = Date.now();
    await store.apply('kong-0', counters('n1', { a: 5 }), t0);
    await store.apply('kong-0', counters('n1', { a: 12 }), t0 + 1);
    expect((await store.totals())[key('a')]).toBe(12);
    const restarted = await store.apply('kong-0', counters('n2', { a: 4 }), t0 + 2);
    expect(restarted).toMatchObject({ result: 'applied', reset: true });
    expect((await store.totals())[key('a')]).toBe(16);
    // A second proxy adds to the same fleet series.
    await store.apply('kong-1', counters('m1', { a: 3 }), t0 + 3);
    expect((await store.totals())[key('a')]).toBe(19);
  });

  it('drops an old answer that arrives after a newer one was applied (no false reset, no double count)', async () => {
    const store = new TrafficStore({ redis, prefix });
    const t0 = Date.now();
    await store.apply('kong-0', counters('n1', { a: 10 }), t0 + 10);
    const late = await store.apply('kong-0', counters('n1', { a: 7 }), t0 + 5);
    expect(late.result).toBe('stale');
    expect((await store.totals())[key('a')]).toBe(10);
  });

  it('adds each count once when two replicas apply scrapes of one proxy at the same time', async () => {
    const one = new TrafficStore({ redis, prefix });
    const two = new TrafficStore({ redis: other, prefix });
    const t0 = Date.now();
    await one.apply('kong-0', counters('n1', { a: 1 }), t0);
    // Increasing scrapes, applied by both replicas concurrently: each either wins or recomputes.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? one : two).apply('kong-0', counters('n1', { a: 2 + i }), t0 + 1 + i),
      ),
    );
    // Whatever order they landed in, the total is the highest value seen (9), never more.
    expect((await one.totals())[key('a')]).toBe(9);
  });

  it('lets one replica claim a proxy per interval', async () => {
    const one = new TrafficStore({ redis, prefix });
    const two = new TrafficStore({ redis: other, prefix });
    const claims = await Promise.all([one.claim('kong-0', 60_000), two.claim('kong-0', 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await one.claim('kong-1', 60_000)).toBe(true);
  });

  it('answers a period from per-minute increments and bounds routes, folding the rest into _other', async () => {
    const store = new TrafficStore({ redis, prefix, maxRoutes: 2, retentionMs: 3_600_000 });
    const now = Date.now();
    const oldMinute = now - 30 * 60_000;
    await store.apply('kong-0', counters('n1', { a: 5 }), oldMinute);
    await store.apply('kong-0', counters('n1', { a: 8, b: 1, c: 2, d: 3 }), now);
    expect(await store.since(now - 60_000, now)).toEqual({
      [key('a')]: 3,
      [key('b')]: 1,
      'kong_fleet_http_requests_total{service="_other",route="_other",code="200"}': 5,
    });
    expect((await store.since(now - 3_600_000, now))[key('a')]).toBe(8);
    expect(await store.routeCount()).toBe(2);
  });

  it('records scrape failures in a row per proxy and clears them on success', async () => {
    const store = new TrafficStore({ redis, prefix });
    const t = Date.now();
    await store.recordScrape('kong-0', { at: t, error: 'ECONNREFUSED' });
    await store.recordScrape('kong-0', { at: t + 1, error: 'timeout' });
    await store.recordScrape('kong-1', { at: t });
    const [failing, fine] = await store.scrapeStatus(['kong-0', 'kong-1']);
    expect(failing).toMatchObject({ proxy: 'kong-0', failures: 2, lastError: 'timeout' });
    expect(failing!.lastSuccessAt).toBeUndefined();
    expect(fine).toMatchObject({ proxy: 'kong-1', failures: 0, lastSuccessAt: new Date(t).toISOString() });
    await store.recordScrape('kong-0', { at: t + 2 });
    expect((await store.scrapeStatus(['kong-0']))[0]).toEqual({
      proxy: 'kong-0',
      failures: 0,
      lastScrapeAt: new Date(t + 2).toISOString(),
      lastSuccessAt: new Date(t + 2).toISOString(),
    });
  });
});
