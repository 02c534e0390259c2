import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../../queue/define-job.ts';
import { type LocalRedis, startLocalRedis } from '../../../testing/redis-server.ts';
import { createRuntime, type Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';

describe('job schedulers when Redis is wiped (issue 12, defect 3)', () => {
  let redis: LocalRedis | undefined;
  let runtime: Runtime | undefined;
  let client: Redis | undefined;
  afterEach(async () => {
    await runtime?.stop('test done');
    client?.disconnect();
    await redis?.stop();
  });

  it('are reinstalled by the leader, and the scheduled job fires again', async () => {
    redis = await startLocalRedis();
    const fired: number[] = [];
    const tick = defineJob({
      name: 'tick',
      role: 'drift',
      payload: z.object({ value: z.number().int() }),
      schedule: { every: 200 },
      schedulePayload: { value: 1 },
      run: async () => void fired.push(Date.now()),
    });
    runtime = createRuntime({
      redisUrl: redis.url,
      queuePrefix: 'wipe',
      roles: ['leader', 'drift'],
      shutdownTimeoutMs: 2000,
      jobs: [tick],
      deps: () => ({}),
      logger: pino({ level: 'silent' }),
      scheduleCheckMs: 200,
    });
    await runtime.start();
    await eventually(() => fired.length >= 2, { timeoutMs: 10_000, description: 'scheduled runs' });

    client = new Redis(redis.url);
    await client.flushall();
    const wipedAt = Date.now();
    await eventually(() => fired.some((at) => at > wipedAt + 300), {
      timeoutMs: 20_000,
      description: 'the scheduled job to fire again after the wipe',
    });
    expect(await runtime.producer.queue('tick').getJobScheduler('tick')).toMatchObject({ every: 200 });
  });
});
