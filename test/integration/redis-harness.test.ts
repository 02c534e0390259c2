import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../helpers/redis.ts';

describe('integration harness', () => {
  const prefix = uniquePrefix('harness');
  afterEach(() => deleteKeysWithPrefix(prefix));

  it('talks to a real redis-server configured with noeviction', async () => {
    const client = new Redis(redisUrl());
    try {
      const policy = await client.config('GET', 'maxmemory-policy');
      expect(policy).toEqual(['maxmemory-policy', 'noeviction']);
      await client.set(`${prefix}:k`, 'v');
      expect(await client.get(`${prefix}:k`)).toBe('v');
    } finally {
      client.disconnect();
    }
  });

  it('removes a test prefix completely', async () => {
    const client = new Redis(redisUrl());
    try {
      await client.mset(`${prefix}:a`, '1', `${prefix}:b`, '2');
      await deleteKeysWithPrefix(prefix);
      expect(await client.keys(`${prefix}*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
