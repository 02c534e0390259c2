import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The URL of the run's real redis-server (see test/setup/redis.ts). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test uses, so tests can share one Redis and run in parallel. */
export function uniquePrefix(label = 'test'): string {
  return `kf-${label}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under `prefix`. Call it in afterEach so a run leaves Redis as it found it. */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const client = new Redis(redisUrl(), { lazyConnect: true });
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
