import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutState } from '../../../domain/rollout.ts';
import { BuildStore } from '../../../queue/store/build-store.ts';
import { RolloutStore } from '../../../queue/store/rollout-store.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

const rollout = (hash: string): RolloutState => ({
  hash,
  stableHash: 'b'.repeat(32),
  spec: {
    strategy: 'Canary',
    steps: [{ proxies: 1 }],
    pauseMs: 1000,
    promote: 'auto',
    maxErrorPercent: 5,
    minRequests: 1,
    stepTimeoutMs: 60_000,
  },
  step: 0,
  cohort: ['kong-0'],
  phase: 'Progressing',
  startedAt: '2026-01-01T00:00:00Z',
  stepStartedAt: '2026-01-01T00:00:00Z',
  message: '',
  updatedAt: '2026-01-01T00:00:00Z',
});

let redis: Redis;
let other: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl());
  // Another process (a second replica, or the CLI).
  other = new Redis(redisUrl());
});
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});

describe('RolloutStore', () => {
  const prefix = uniquePrefix('rollout-store');
  afterEach(() => deleteKeysWithPrefix(prefix));

  it('keeps the rollout and the pin for a new connection (a restart or a new leader)', async () => {
    const store = new RolloutStore({ redis, prefix });
    expect(
      await store.write('0', {
        rollout: rollout('a'.repeat(32)),
        pin: { hash: 'c', at: 'now', reason: 't' },
      }),
    ).toBe(true);
    const seen = await new RolloutStore({ redis: other, prefix }).read();
    expect(seen.rollout?.hash).toBe('a'.repeat(32));
    expect(seen.pin?.hash).toBe('c');
    await store.write(seen.version, { pin: null });
    expect((await store.read()).pin).toBeUndefined();
    expect((await store.read()).rollout?.hash).toBe('a'.repeat(32));
  });

  it('refuses a write made on a stale read, and update() decides again on the fresh state', async () => {
    const a = new RolloutStore({ redis, prefix });
    const b = new RolloutStore({ redis: other, prefix });
    const read = await a.read();
    expect(await b.write(read.version, { rollout: rollout('1'.repeat(32)) })).toBe(true);
    expect(await a.write(read.version, { rollout: rollout('2'.repeat(32)) })).toBe(false);
    const decided: string[] = [];
    await a.update((current) => {
      decided.push(current.rollout?.hash ?? 'none');
      return { change: { rollout: { ...current.rollout!, phase: 'Halted' } }, result: undefined };
    });
    expect(decided).toEqual(['1'.repeat(32)]);
    expect((await b.read()).rollout?.phase).toBe('Halted');
  });

  it('hands each queued Event out once, oldest first', async () => {
    const store = new RolloutStore({ redis, prefix });
    await store.announce([
      { reason: 'FleetPinned', type: 'Normal', message: 'one' },
      { reason: 'FleetUnpinned', type: 'Normal', message: 'two' },
    ]);
    const [x, y] = await Promise.all([
      store.takeAnnouncements(),
      new RolloutStore({ redis: other, prefix }).takeAnnouncements(),
    ]);
    expect([...x, ...y].map((event) => event.message)).toEqual(['one', 'two']);
    expect(await store.takeAnnouncements()).toEqual([]);
  });

  it('never evicts a protected build (a pin), however many newer builds come', async () => {
    const builds = new BuildStore({ redis, prefix, keep: 2 });
    const record = (hash: string, revision: number) => ({
      hash,
      revision,
      createdAt: new Date().toISOString(),
      sizeBytes: 1,
      durationMs: 1,
      droppedObjects: 0,
    });
    await builds.save('{"pinned":true}', record('p'.repeat(32), 1));
    await builds.protect(['p'.repeat(32)]);
    for (let i = 2; i <= 6; i++) await builds.save(`{"n":${i}}`, record(String(i).repeat(32), i));
    expect(await builds.has('p'.repeat(32))).toBe(true);
    expect(await builds.text('p'.repeat(32))).toBe('{"pinned":true}');
    expect(await builds.has('3'.repeat(32))).toBe(false);
    // Once no longer in use, it goes (it had left the kept builds meanwhile).
    await builds.protect([]);
    expect(await builds.has('p'.repeat(32))).toBe(false);
    expect(await builds.has('6'.repeat(32))).toBe(true);
  });
});
