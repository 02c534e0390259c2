import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/** The `server` counters of Kong's GET /status that only grow while a node lives. */
export const GROWING_COUNTERS = ['total_requests', 'connections_accepted', 'connections_handled'] as const;
export type GrowingCounter = (typeof GROWING_COUNTERS)[number];

/**
 * Fleet-wide sums of the proxies' GET /status counters that survive proxy restarts: a counter that
 * went down means the node restarted, so what it had counted moves into a per-proxy offset and the
 * sum never decreases. Keys: counters:<proxy> (hash: <counter>:last, <counter>:offset, connections_active).
 */
const OBSERVE = luaScript(`
for i = 1, #ARGV, 2 do
  local name, value = ARGV[i], tonumber(ARGV[i + 1])
  if name == 'connections_active' then
    redis.call('HSET', KEYS[1], name, value)
  else
    local last = tonumber(redis.call('HGET', KEYS[1], name .. ':last') or '0')
    if value < last then redis.call('HINCRBY', KEYS[1], name .. ':offset', last) end
    redis.call('HSET', KEYS[1], name .. ':last', value)
  end
end
return 1
`);

export class FleetCounters {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  async observe(proxy: string, server: Readonly<Record<string, unknown>>): Promise<void> {
    const args: (string | number)[] = [];
    for (const name of [...GROWING_COUNTERS, 'connections_active']) {
      const value = server[name];
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
        args.push(name, Math.floor(value));
    }
    if (args.length > 0) await OBSERVE(this.#redis, [redisKey(this.#prefix, 'counters', proxy)], args);
  }

  /** Sums over every proxy ever observed (growing counters) and the live ones (connections_active). */
  async totals(
    liveProxies: readonly string[],
  ): Promise<Record<GrowingCounter | 'connections_active', number>> {
    const totals = {
      total_requests: 0,
      connections_accepted: 0,
      connections_handled: 0,
      connections_active: 0,
    };
    const live = new Set(liveProxies);
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        `${redisKey(this.#prefix, 'counters')}:*`,
        'COUNT',
        500,
      );
      cursor = next;
      for (const key of keys) {
        const fields = await this.#redis.hgetall(key);
        for (const name of GROWING_COUNTERS) {
          totals[name] += Number(fields[`${name}:last`] ?? 0) + Number(fields[`${name}:offset`] ?? 0);
        }
        if (live.has(key.slice(key.lastIndexOf(':') + 1)))
          totals.connections_active += Number(fields.connections_active ?? 0);
      }
    } while (cursor !== '0');
    return totals;
  }
}
