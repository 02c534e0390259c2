import type {
  ProxyEndpoint,
  ProxySource,
  ProxyStatus,
  ProxyStatusPatch,
  RegistryChange,
} from '../../domain/proxy.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/**
 * The proxies the controller knows (from discovery or the static list) and what it last learned
 * about each. Push, drift and status jobs read it; discovery writes it.
 *
 * Keys: proxies (hash id → ProxyEndpoint JSON), proxy-status:<id> (hash of ProxyStatus fields, each
 * as text: numbers in decimal, the conditions as JSON; an absent field is unset).
 */

/** HSET ARGV[2..n] pairs and HDEL the fields after the '--' marker, only while proxy ARGV[1] is registered. */
const UPDATE_STATUS = luaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local i = 2
while ARGV[i] ~= '--' do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for j = i + 1, #ARGV do redis.call('HDEL', KEYS[2], ARGV[j]) end
return 1
`);

export class ProxyRegistry {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  /** Makes the proxies of one source exactly `endpoints`; proxies of other sources are left alone. */
  async replaceSource(source: ProxySource, endpoints: readonly ProxyEndpoint[]): Promise<RegistryChange> {
    const current = await this.list();
    const wanted = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    const added: ProxyEndpoint[] = [];
    const updated: ProxyEndpoint[] = [];
    const removed = current.filter((p) => p.source === source && !wanted.has(p.id)).map((p) => p.id);
    const byId = new Map(current.map((p) => [p.id, p]));
    for (const endpoint of endpoints) {
      const existing = byId.get(endpoint.id);
      if (!existing) added.push(endpoint);
      else if (JSON.stringify(existing) !== JSON.stringify(endpoint)) updated.push(endpoint);
    }
    const tx = this.#redis.multi();
    for (const endpoint of [...added, ...updated])
      tx.hset(this.#key('proxies'), endpoint.id, JSON.stringify(endpoint));
    // A moved proxy's ProxyInstance spec must be rewritten: forget what was written for it.
    for (const endpoint of updated) {
      tx.hdel(
        this.#key('proxy-status', endpoint.id),
        'instanceDigest',
        'instanceWrittenAt',
        'instanceConditions',
      );
    }
    for (const id of removed) tx.hdel(this.#key('proxies'), id).del(this.#key('proxy-status', id));
    if (added.length + updated.length + removed.length > 0) await tx.exec();
    else tx.discard();
    return { added, removed, updated };
  }

  /** How many proxies are known (one HLEN, for policies that scale with the fleet). */
  async count(): Promise<number> {
    return this.#redis.hlen(this.#key('proxies'));
  }

  async list(): Promise<ProxyEndpoint[]> {
    const all = await this.#redis.hgetall(this.#key('proxies'));
    return Object.values(all)
      .map((json) => JSON.parse(json) as ProxyEndpoint)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<ProxyEndpoint | null> {
    const json = await this.#redis.hget(this.#key('proxies'), id);
    return json ? (JSON.parse(json) as ProxyEndpoint) : null;
  }

  async status(id: string): Promise<ProxyStatus> {
    return decodeStatus(await this.#redis.hgetall(this.#key('proxy-status', id)));
  }

  /** Merges `patch` into the proxy's status; a field set to null is removed. No-op for a forgotten proxy. */
  async updateStatus(id: string, patch: ProxyStatusPatch): Promise<void> {
    const set: string[] = ['updatedAt', new Date().toISOString()];
    const unset: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) unset.push(field);
      else set.push(field, encodeField(value));
    }
    await UPDATE_STATUS(
      this.#redis,
      [this.#key('proxies'), this.#key('proxy-status', id)],
      [id, ...set, '--', ...unset],
    );
  }

  #key(...parts: string[]): string {
    return redisKey(this.#prefix, ...parts);
  }
}

function encodeField(value: string | number | readonly unknown[]): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The stored text fields back to a ProxyStatus; a field that does not decode is left out, not guessed. */
function decodeStatus(fields: Record<string, string>): ProxyStatus {
  const { repairAttempts, instanceConditions, state, ...text } = fields;
  const status: Record<string, unknown> = { ...text };
  if (state !== undefined) status.state = state;
  if (repairAttempts !== undefined && /^\d+$/.test(repairAttempts))
    status.repairAttempts = Number(repairAttempts);
  if (instanceConditions !== undefined) {
    try {
      const conditions: unknown = JSON.parse(instanceConditions);
      if (Array.isArray(conditions)) status.instanceConditions = conditions;
    } catch {
      // A status written by something else: forget the conditions, the next write restores them.
    }
  }
  return status as ProxyStatus;
}
