import { createHash } from 'node:crypto';
import type { RedisConnection as Redis } from '../connection.ts';

export type LuaReply = string | number | null | LuaReply[];

/**
 * A Lua script run atomically by Redis: EVALSHA, falling back to EVAL when the server does not
 * know the script yet (after a restart or a SCRIPT FLUSH).
 */
export function luaScript(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<LuaReply> => {
    try {
      return (await redis.evalsha(sha, keys.length, ...keys, ...args)) as LuaReply;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await redis.eval(source, keys.length, ...keys, ...args)) as LuaReply;
    }
  };
}
