import { randomUUID } from 'node:crypto';
import { kindKeyPrefix } from '../../domain/object-ref.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';
import { SealedValues } from './sealed-values.ts';

/**
 * The controller's copy of the Kubernetes objects it translates, in Redis so that any build worker
 * can read it. Every change bumps one revision counter atomically and is appended to a capped
 * change stream whose entry ids are the revisions, so a builder holding revision R reads only what
 * changed after R. Only the leader writes.
 *
 * Keys (under the prefix): state:objects (hash objectKey → JSON), state:revision (counter),
 * state:changes (stream, id `<revision>-1`, field `k`), state:synced (set when every informer listed),
 * state:exclusions (hash objectKey → why a proxy rejected it; lifted when the object changes),
 * state:pending-since (time of the first change no build has taken yet, for the convergence metric),
 * state:epoch (a random id created with the first write: revisions count from 1 again after Redis lost
 * its data, so a revision means something only together with the epoch it was read in).
 * Secrets are stored sealed (queue/store/sealed-values.ts, deterministic so unchanged ones still
 * compare equal); every other kind holds no secret material and stays readable.
 *
 * A change to the key format (domain/object-ref.ts `objectKey`) needs a new key namespace here: a re-list only
 * replaces keys under each kind's prefix, so keys of an old format would otherwise stay and be served.
 */

export interface ObjectChange {
  /** Object key, `Kind.group/namespace/name` (see domain/object-ref.ts). */
  readonly key: string;
  /** The stored JSON, or null when the object was deleted. */
  readonly json: string | null;
}

export interface WriteResult {
  readonly revision: number;
  /** False when the object was already stored exactly so (no revision was spent). */
  readonly changed: boolean;
}

export interface ChangeSet {
  readonly revision: number;
  /** The store's epoch the revision belongs to ('' before anything was written). */
  readonly epoch: string;
  /** True when the caller's revision is too old for the change stream or of another epoch: `changes` is then every object. */
  readonly full: boolean;
  readonly changes: readonly ObjectChange[];
}

/** Upsert (ARGV[2] = JSON) or delete (ARGV[2] = '') one object; skip when nothing changed. */
const WRITE = luaScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if not current then return {tonumber(redis.call('GET', KEYS[2]) or '0'), 0} end
  redis.call('HDEL', KEYS[1], ARGV[1])
elseif current == ARGV[2] then
  return {tonumber(redis.call('GET', KEYS[2]) or '0'), 0}
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local revision = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[3], revision .. '-1', 'k', ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('SET', KEYS[6], ARGV[4], 'NX')
local now = redis.call('TIME')
redis.call('SET', KEYS[5], now[1] * 1000 + math.floor(now[2] / 1000), 'NX')
return {revision, 1}
`);

/**
 * Changes after revision ARGV[1] of epoch ARGV[3], with the current value of each changed key, read
 * atomically. Returns {revision, full(0|1), key1, json1, key2, json2, …}; full=1 when the store's epoch
 * is another one (Redis lost its data and revisions started again), the stream no longer holds revision
 * ARGV[1]+1 or holds more than ARGV[2] changes: the caller then reads everything.
 */
const CHANGES = luaScript(`
local revision = tonumber(redis.call('GET', KEYS[2]) or '0')
local since = tonumber(ARGV[1])
if (redis.call('GET', KEYS[6]) or '') ~= ARGV[3] then return {revision, 1} end
if since == 0 or since > revision then return {revision, 1} end
if since == revision then return {revision, 0} end
local first = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)
if #first == 0 then return {revision, 1} end
local firstRevision = tonumber(string.match(first[1][1], '^(%d+)'))
if firstRevision > since + 1 then return {revision, 1} end
if revision - since > tonumber(ARGV[2]) then return {revision, 1} end
local entries = redis.call('XRANGE', KEYS[3], '(' .. since .. '-1', '+')
local seen = {}
local reply = {revision, 0}
for _, entry in ipairs(entries) do
  local key = entry[2][2]
  if not seen[key] then
    seen[key] = true
    reply[#reply + 1] = key
    reply[#reply + 1] = redis.call('HGET', KEYS[1], key) or false
  end
end
return reply
`);

export interface Exclusion {
  /** Kong's message, trimmed. */
  readonly reason: string;
  /** The build the proxy rejected. */
  readonly configHash: string;
  readonly proxy: string;
  readonly at: string;
}

export interface ObjectStoreOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** Changes kept in the stream; a builder further behind re-reads everything. @defaultValue 100000 */
  readonly changeLogLength?: number;
  /** Above this many changes a full read is cheaper than the change log. @defaultValue 20000 */
  readonly maxIncremental?: number;
  /** Seals Secret objects at rest. @defaultValue SealedValues.plaintext (no key configured) */
  readonly sealed?: SealedValues;
}

/** Re-seals one stored value only if it is still the one read (ARGV[2]); no revision is spent. */
const RESEAL = luaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`);

const SECRET_PREFIX = kindKeyPrefix('Secret', '');

export class ObjectStore {
  readonly #redis: Redis;
  readonly #keys: readonly [
    objects: string,
    revision: string,
    changes: string,
    exclusions: string,
    pendingSince: string,
  ];
  readonly #synced: string;
  readonly #epoch: string;
  readonly #changeLogLength: number;
  readonly #maxIncremental: number;
  readonly #sealed: SealedValues;

  constructor(options: ObjectStoreOptions) {
    this.#redis = options.redis;
    const key = (...parts: string[]) => redisKey(options.prefix, 'state', ...parts);
    this.#keys = [key('objects'), key('revision'), key('changes'), key('exclusions'), key('pending-since')];
    this.#synced = key('synced');
    this.#epoch = key('epoch');
    this.#changeLogLength = options.changeLogLength ?? 100_000;
    this.#maxIncremental = options.maxIncremental ?? 20_000;
    this.#sealed = options.sealed ?? SealedValues.plaintext;
  }

  /** Stores an object (already stripped of noise); a change also lifts any exclusion of it. */
  async put(key: string, json: string): Promise<WriteResult> {
    return this.#write(key, json);
  }

  async delete(key: string): Promise<WriteResult> {
    return this.#write(key, '');
  }

  /**
   * After a full LIST: stores `objects` and deletes the stored objects under `keyPrefix` (one kind)
   * that the list no longer has — they were deleted while nobody watched.
   */
  async replaceAll(keyPrefix: string, objects: ReadonlyMap<string, string>): Promise<{ changed: number }> {
    let changed = 0;
    const stale: string[] = [];
    for await (const [key] of this.#scanObjects(keyPrefix)) if (!objects.has(key)) stale.push(key);
    for (const key of stale) if ((await this.delete(key)).changed) changed++;
    for (const [key, json] of objects) if ((await this.put(key, json)).changed) changed++;
    return { changed };
  }

  /** Leaves `key` out of builds until the object changes (a proxy rejected what it produced). */
  async exclude(key: string, exclusion: Exclusion): Promise<void> {
    await this.#redis.hset(this.#keys[3], key, JSON.stringify(exclusion));
  }

  async exclusions(): Promise<Map<string, Exclusion>> {
    const all = await this.#redis.hgetall(this.#keys[3]);
    return new Map(Object.entries(all).map(([key, json]) => [key, JSON.parse(json) as Exclusion]));
  }

  /**
   * When the oldest change not yet taken by a build happened (ms), and forget it: the next change
   * starts a new measurement. A build calls this before it reads the changes.
   */
  async takePendingSince(): Promise<number | undefined> {
    const value = await this.#redis.getdel(this.#keys[4]);
    return value === null ? undefined : Number(value);
  }

  async revision(): Promise<number> {
    return Number((await this.#redis.get(this.#keys[1])) ?? 0);
  }

  /**
   * What changed after revision `since` of `epoch`, read atomically: everything when `since` is 0, too
   * old, or of another epoch (the store was wiped and filled again since).
   */
  async changesSince(since: number, epoch = ''): Promise<ChangeSet> {
    const reply = (await CHANGES(
      this.#redis,
      [...this.#keys, this.#epoch],
      [since, this.#maxIncremental, epoch],
    )) as (string | number | null)[];
    const revision = Number(reply[0]);
    if (Number(reply[1]) === 1) return this.#readAll();
    const changes: ObjectChange[] = [];
    for (let i = 2; i < reply.length; i += 2) {
      const stored = reply[i + 1];
      changes.push({
        key: String(reply[i]),
        json: typeof stored === 'string' ? this.#sealed.open(stored) : null,
      });
    }
    return { revision, epoch, full: false, changes };
  }

  /**
   * Marks that every informer has stored its full list, with the token of the leader session that
   * did it (null clears the mark). Builds wait for the mark; a leader that finds its token gone
   * knows the store lost its data and lists everything again.
   */
  async setSynced(token: string | null): Promise<void> {
    if (token) await this.#redis.set(this.#synced, token);
    else await this.#redis.del(this.#synced);
  }

  async syncedToken(): Promise<string | null> {
    return this.#redis.get(this.#synced);
  }

  async #readAll(): Promise<ChangeSet> {
    const reply = await this.#redis.multi().get(this.#keys[1]).hgetall(this.#keys[0]).get(this.#epoch).exec();
    const revision = Number((reply?.[0]?.[1] as string | null) ?? 0);
    const all = (reply?.[1]?.[1] ?? {}) as Record<string, string>;
    return {
      revision,
      epoch: (reply?.[2]?.[1] as string | null) ?? '',
      full: true,
      changes: Object.entries(all).map(([key, stored]) => ({ key, json: this.#sealed.open(stored) })),
    };
  }

  /**
   * Rewrites every sealed object whose key is not the current one (after a key rotation), so the
   * old key can then be removed. Values do not change, so no revision is spent and no build runs.
   * Returns how many were rewritten.
   */
  async reseal(): Promise<number> {
    const current = this.#sealed.currentKeyId;
    if (current === undefined) return 0;
    let rewritten = 0;
    for await (const [key, stored] of this.#scanObjects(SECRET_PREFIX)) {
      if (SealedValues.keyIdOf(stored) === current) continue;
      const fresh = this.#sealed.seal(this.#sealed.open(stored), { deterministic: true });
      rewritten += Number(await RESEAL(this.#redis, [this.#keys[0]], [key, stored, fresh]));
    }
    return rewritten;
  }

  /** The stored objects whose key starts with `keyPrefix`, as stored (sealed values stay sealed). */
  async *#scanObjects(keyPrefix: string): AsyncGenerator<readonly [key: string, stored: string]> {
    let cursor = '0';
    do {
      const [next, entries] = await this.#redis.hscan(
        this.#keys[0],
        cursor,
        'MATCH',
        `${escapeGlob(keyPrefix)}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) yield [entries[i]!, entries[i + 1]!] as const;
    } while (cursor !== '0');
  }

  async #write(key: string, json: string): Promise<WriteResult> {
    const stored =
      json !== '' && key.startsWith(SECRET_PREFIX) ? this.#sealed.seal(json, { deterministic: true }) : json;
    const [revision, changed] = (await WRITE(
      this.#redis,
      [...this.#keys, this.#epoch],
      [key, stored, this.#changeLogLength, randomUUID()],
    )) as [number, number];
    return { revision, changed: changed === 1 };
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
