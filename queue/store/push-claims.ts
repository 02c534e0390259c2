import { randomUUID } from 'node:crypto';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/**
 * Who is pushing to a proxy right now. BullMQ runs a job a second time while the first run still goes
 * on when its lock expired (a starved machine renews it late): two POST /config to one proxy, and the
 * second earns a 429 with Retry-After 10 s. A push claims its proxy first; a run that finds the claim
 * held by another waits its turn. The claim expires by itself (a SIGKILLed holder) and is renewed while
 * its push runs.
 *
 * Keys (under the prefix): push:claim:<proxy> (the holder's token, with a TTL).
 */

export interface PushClaimsOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** A claim nobody renews is gone after this long. @defaultValue 15000 */
  readonly ttlMs?: number;
}

export interface PushClaim {
  /** Ends the claim (only if it is still this one's). */
  release(): Promise<void>;
}

/** Renews (ARGV[2] = TTL) or, with ARGV[2] = 0, deletes the claim, but only if it still holds ARGV[1]. */
const IF_HELD = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) == 0 then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`);

export class PushClaims {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: PushClaimsOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs ?? 15_000;
  }

  /** Claims `proxy` for one push, or undefined when another push holds it. Renewed until released. */
  async claim(proxy: string): Promise<PushClaim | undefined> {
    const key = redisKey(this.#prefix, 'push', 'claim', proxy);
    const token = randomUUID();
    if ((await this.#redis.set(key, token, 'PX', this.#ttlMs, 'NX')) !== 'OK') return undefined;
    const renewal = setInterval(() => {
      IF_HELD(this.#redis, [key], [token, this.#ttlMs]).catch(() => {
        // Redis away: the claim lapses by itself, which only allows a duplicate push.
      });
    }, this.#ttlMs / 3);
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await IF_HELD(this.#redis, [key], [token, 0]);
      },
    };
  }

  /** Who holds `proxy`'s claim (a token), if anybody: for tests and diagnostics. */
  async holder(proxy: string): Promise<string | null> {
    return this.#redis.get(redisKey(this.#prefix, 'push', 'claim', proxy));
  }
}
