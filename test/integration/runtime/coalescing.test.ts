import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../../queue/define-job.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

// DESIGN.md: "Debounce without losing the last event". A burst collapses into one run that sees
// the burst's last state, and events that arrive while that run is active cause exactly one more
// run that sees the very last state. Without keepLastIfActive those late events would be lost.
describe('coalesced jobs', () => {
  const prefix = uniquePrefix('coalesce');
  let runtime: Runtime | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    await runtime?.stop('test done');
    redis?.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  it('turns 200 burst events + 60 events during the run into exactly 2 runs that see the last revisions', async () => {
    redis = new Redis(redisUrl());
    const revisionKey = `${prefix}:revision`;
    const seen: number[] = [];
    let releaseFirstRun: () => void = () => {};
    const firstRunMayFinish = new Promise<void>((resolve) => {
      releaseFirstRun = resolve;
    });
    const build = defineJob({
      name: 'build',
      role: 'build',
      payload: z.object({ reason: z.string() }),
      coalesce: { key: () => 'build', delayMs: 50, extend: true },
      run: async () => {
        seen.push(Number(await redis!.get(revisionKey)));
        // The first run stays active until the test has sent the late events.
        if (seen.length === 1) await firstRunMayFinish;
      },
    });
    runtime = testRuntime({ prefix, jobs: [build] });
    await runtime.start();

    const event = async () => {
      await redis!.incr(revisionKey);
      await runtime!.producer.enqueue(build, { reason: 'watch event' });
    };
    for (let i = 0; i < 200; i++) await event();
    await eventually(() => seen.length === 1, { description: 'the first run to start' });
    for (let i = 0; i < 60; i++) await event();
    releaseFirstRun();

    const queue = runtime.producer.queue('build');
    await eventually(
      async () =>
        seen.length >= 2 &&
        (await queue.getJobCountByTypes('wait', 'delayed', 'active', 'prioritized')) === 0,
      { description: 'the queue to drain after the second run' },
    );
    // Two runs, the second seeing the very last revision. The first sees the end of the burst, or less when
    // the burst outlasts the window's 2 s cap (a busy machine sends 200 events slower than that); the rest of
    // the burst then arrives while it runs and lands in the second.
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(260);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[0]).toBeLessThanOrEqual(200);
  });
});
