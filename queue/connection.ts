import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must ride out an outage: they retry every command forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires). Producers answer a caller and must fail fast
 * when Redis is away instead of queueing commands in memory.
 */
/** A Redis connection, for code outside queue/ that holds one. */
export type RedisConnection = Redis;

export type ConnectionPurpose = 'worker' | 'producer';

/** Reconnect delay after `times` failed attempts: 100 ms doubling, capped at 5 s. */
export function reconnectDelay(times: number): number {
  return Math.min(100 * 2 ** Math.min(times, 16), 5000);
}

/** The one place that creates Redis connections. The connection is lazy: call `connectRedis`. */
export function createRedisConnection(
  url: string,
  purpose: ConnectionPurpose,
  name: string = purpose,
): Redis {
  const common: RedisOptions = {
    connectionName: `kong-fleet:${name}`,
    lazyConnect: true,
    retryStrategy: reconnectDelay,
  };
  const byPurpose: RedisOptions =
    purpose === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 };
  return new Redis(url, { ...common, ...byPurpose });
}

/** Connects and waits for Redis to answer, or rejects after `timeoutMs` with the reason. */
export async function connectRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  const timer = AbortSignal.timeout(timeoutMs);
  const timeout = new Promise<never>((_, reject) =>
    timer.addEventListener('abort', () =>
      reject(new Error(`Redis did not answer within ${timeoutMs} ms (last status: ${redis.status})`)),
    ),
  );
  const ready =
    redis.status === 'wait' || redis.status === 'end'
      ? redis.connect()
      : new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  await Promise.race([ready, timeout]);
}
