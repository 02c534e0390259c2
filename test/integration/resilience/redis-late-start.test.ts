import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../../queue/define-job.ts';
import { freePort } from '../../../testing/free-port.ts';
import { type LocalRedis, startLocalRedis } from '../../../testing/redis-server.ts';
import { createRuntime, type Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';

describe('a runtime started before Redis', () => {
  let redis: LocalRedis | undefined;
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop('test done');
    await redis?.stop();
  });

  it('is not ready, says why, and runs its leader work once Redis comes up', async () => {
    const port = await freePort();
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
      redisUrl: `redis://127.0.0.1:${port}`,
      queuePrefix: 'late',
      roles: ['leader', 'drift'],
      shutdownTimeoutMs: 2000,
      jobs: [tick],
      deps: () => ({}),
      logger: pino({ level: 'silent' }),
    });
    const started = runtime.start();
    started.catch(() => {});
    const before = await runtime.readiness();
    expect(before.ready).toBe(false);
    expect(before.checks.redis).toMatchObject({ ok: false });
    expect(before.checks.redis?.detail).toBeTruthy();

    redis = await startLocalRedis({ port });
    await started;
    await eventually(() => fired.length >= 2, { timeoutMs: 20_000, description: 'scheduled runs' });
    await eventually(async () => (await runtime!.readiness()).ready, {
      timeoutMs: 10_000,
      description: 'ready',
    });
  });
});
