import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/**
 * Notices the moment the last proxy reports a build: each synced proxy joins the build's set, and
 * the call that makes the set as large as the registry wins the one-time `converged` mark. O(1)
 * per push, so a 500-proxy fleet does not re-read every status on every push.
 *
 * Keys: converged:<hash>:proxies (set, expires after a day), converged:<hash> (mark), proxies (the registry).
 */
const MARK = luaScript(`
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 86400)
if redis.call('SCARD', KEYS[1]) < redis.call('HLEN', KEYS[3]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', 86400) then return 1 end
return 0
`);

export class ConvergenceTracker {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  /** Records that `proxy` runs `hash`; true exactly once per build: when every known proxy does. */
  async proxySynced(hash: string, proxy: string, at = Date.now()): Promise<boolean> {
    const keys = [
      redisKey(this.#prefix, 'converged', hash, 'proxies'),
      redisKey(this.#prefix, 'converged', hash),
      redisKey(this.#prefix, 'proxies'),
    ];
    return (await MARK(this.#redis, keys, [proxy, at])) === 1;
  }
}
