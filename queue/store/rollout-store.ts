import type { FleetPin, FleetTarget, PendingEvent, RolloutState } from '../../domain/rollout.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/**
 * The fleet's rollout and pin (domain/rollout.ts) in Redis, so a restarted controller or a new leader
 * carries on where the last one stopped. Key: fleet-target (hash: rollout JSON, pin JSON, version).
 * Every change is a compare-and-set on the version: the rollout job, the CLI and the HTTP API may act
 * at once, and none overwrites what another just wrote.
 */
const WRITE = luaScript(`
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tostring(tonumber(version) + 1))
for i = 2, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`);

export interface VersionedTarget extends FleetTarget {
  readonly version: string;
}

/** A change: a field set to a value is written, set to null is removed, absent is left alone. */
export interface TargetChange {
  readonly rollout?: RolloutState | null;
  readonly pin?: FleetPin | null;
}

const ATTEMPTS = 20;
/** Events not yet written are capped: an API outage does not grow the list without bound. */
const MAX_PENDING_EVENTS = 100;

export class RolloutStore {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #events: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#key = redisKey(options.prefix, 'fleet-target');
    this.#events = redisKey(options.prefix, 'fleet-target', 'events');
  }

  /** Queues Events for the ProxyFleet (the CLI has no Kubernetes client: the rollout job writes them). */
  async announce(events: readonly PendingEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#redis
      .multi()
      .rpush(this.#events, ...events.map((event) => JSON.stringify(event)))
      .ltrim(this.#events, -MAX_PENDING_EVENTS, -1)
      .exec();
  }

  /** Takes the queued Events, oldest first (each is taken once). */
  async takeAnnouncements(): Promise<PendingEvent[]> {
    const taken = (await this.#redis.lpop(this.#events, MAX_PENDING_EVENTS)) ?? [];
    return taken.map((json) => JSON.parse(json) as PendingEvent);
  }

  async read(): Promise<VersionedTarget> {
    const fields = await this.#redis.hgetall(this.#key);
    return {
      version: fields.version ?? '0',
      ...(fields.rollout ? { rollout: JSON.parse(fields.rollout) as RolloutState } : {}),
      ...(fields.pin ? { pin: JSON.parse(fields.pin) as FleetPin } : {}),
    };
  }

  /** Writes `change` if nothing changed since `version` was read; false when something did. */
  async write(version: string, change: TargetChange): Promise<boolean> {
    const args: string[] = [version];
    for (const field of ['rollout', 'pin'] as const) {
      const value = change[field];
      if (value !== undefined) args.push(field, value === null ? '' : JSON.stringify(value));
    }
    return (await WRITE(this.#redis, [this.#key], args)) === 1;
  }

  /**
   * Reads, decides and writes until the write lands on what was read. `decide` returns the change
   * (undefined: nothing to write) and a result handed back to the caller.
   */
  async update<T>(
    decide: (
      current: VersionedTarget,
    ) => { change?: TargetChange; result: T } | Promise<{ change?: TargetChange; result: T }>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read();
      const { change, result } = await decide(current);
      if (!change || (await this.write(current.version, change))) return result;
      if (attempt >= ATTEMPTS) throw new Error(`fleet target changed under ${ATTEMPTS} attempts in a row`);
    }
  }
}
