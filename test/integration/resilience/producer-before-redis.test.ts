import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRedisConnection, type RedisConnection } from '../../../queue/connection.ts';
import { defineJob } from '../../../queue/define-job.ts';
import { JobProducer } from '../../../queue/producer.ts';
import { freePort } from '../../../testing/free-port.ts';
import { type LocalRedis, startLocalRedis } from '../../../testing/redis-server.ts';
import { eventually } from '../../helpers/eventually.ts';

const ping = defineJob({
  name: 'ping',
  role: 'build',
  payload: z.object({ n: z.number().int() }),
  run: async () => undefined,
});

describe('a producer whose queues exist before Redis answers (issue 12, defect 1)', () => {
  let redis: LocalRedis | undefined;
  let connection: RedisConnection | undefined;
  let producer: JobProducer | undefined;
  afterEach(async () => {
    await producer?.close();
    connection?.disconnect();
    await redis?.stop();
  });

  it('adds jobs once Redis comes up, through the queue it created while Redis was absent', async () => {
    const port = await freePort();
    connection = createRedisConnection(`redis://127.0.0.1:${port}`, 'producer');
    connection.on('error', () => {});
    producer = new JobProducer({ connection, prefix: 'late' });
    // As the Bull Board does at start-up: the queue object is made before anything connected.
    const queue = producer.queue('ping');
    await eventually(() => connection!.status === 'reconnecting', {
      description: 'the first connection attempt to fail',
    });

    redis = await startLocalRedis({ port });
    const id = await eventually(() => producer!.enqueue(ping, { n: 1 }).catch(() => undefined), {
      timeoutMs: 20_000,
      intervalMs: 200,
      description: 'an enqueue to succeed once Redis answers',
    });
    expect(id).toBeTruthy();
    expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
  });
});
