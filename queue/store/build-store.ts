import type { BuildRecord, Desired } from '../../domain/build.ts';
import type { ProxyProfile } from '../../domain/proxy.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';
import { SealedValues } from './sealed-values.ts';

/**
 * Built configs, content-addressed by their configuration hash (the MD5 Kong will report), plus the
 * `desired` pointer every push job reads. Keeps the last few builds for diff and rollback.
 *
 * Keys: builds:<hash> (config text), builds:<hash>:meta (BuildRecord JSON but its profiles),
 * builds:<hash>:profiles (set: the profiles of every build that gave this hash, each the JSON array
 * [kongVersion, routerFlavor, edition], plus the member `*` once any build recorded its profiles, even
 * none), builds:recent (list, newest first), desired (hash: hash, revision, at). Config texts hold
 * credentials and private keys: they are stored sealed (queue/store/sealed-values.ts) when a key is
 * configured.
 */

/** Moves `desired` to ARGV[1..3] unless it already points at a newer revision. Returns {advanced, oldHash}. */
const ADVANCE = luaScript(`
local current = redis.call('HGET', KEYS[1], 'revision')
if current and tonumber(current) > tonumber(ARGV[2]) then return {0, redis.call('HGET', KEYS[1], 'hash') or ''} end
local old = redis.call('HGET', KEYS[1], 'hash') or ''
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'revision', ARGV[2], 'at', ARGV[3])
return {1, old}
`);

export interface BuildStoreOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** Builds kept besides the desired one (and those a pin or rollout uses). @defaultValue 5 */
  readonly keep?: number;
  /** Seals config texts at rest. @defaultValue SealedValues.plaintext (no key configured) */
  readonly sealed?: SealedValues;
}

/** Replaces a stored text only if it is still the one read (ARGV[1]). */
const RESEAL = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`);

/** The member of builds:<hash>:profiles saying the build's profiles were recorded (a JSON array never is `*`). */
const PROFILES_RECORDED = '*';

function profileMember(profile: ProxyProfile): string {
  return JSON.stringify([profile.kongVersion, profile.routerFlavor, profile.edition]);
}

function profileFromMember(member: string): ProxyProfile | undefined {
  try {
    const [kongVersion, routerFlavor, edition] = JSON.parse(member) as unknown[];
    if (typeof kongVersion !== 'string' || typeof routerFlavor !== 'string' || typeof edition !== 'string')
      return undefined;
    return { kongVersion, routerFlavor, edition } as ProxyProfile;
  } catch {
    return undefined;
  }
}

export interface SaveResult {
  /** Profiles this save added to the build's (a rebuild for more proxies that gave the same text). */
  readonly newProfiles: readonly ProxyProfile[];
}

export class BuildStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #keep: number;
  readonly #texts = new Map<string, string>();
  /** Reads under way: a push wave's first hundred reads of a new build share one GET and one string. */
  readonly #reading = new Map<string, Promise<string | null>>();
  readonly #sealed: SealedValues;
  /** Profile members known to be among a build's (they are never taken away): a push wave asks once. */
  readonly #madeFor = new Map<string, Set<string>>();

  constructor(options: BuildStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#keep = options.keep ?? 5;
    this.#sealed = options.sealed ?? SealedValues.plaintext;
  }

  /**
   * Stores a build; its profiles join those of earlier builds with the same hash (the same text passed
   * validation for each of them). Returns the profiles that were new for this hash.
   */
  async save(text: string, record: BuildRecord): Promise<SaveResult> {
    const recent = this.#key('builds', 'recent');
    const { profiles, ...meta } = record;
    const members = (profiles ?? []).map(profileMember);
    const tx = this.#redis
      .multi()
      .set(this.#key('builds', record.hash), this.#sealed.seal(text))
      .set(this.#key('builds', record.hash, 'meta'), JSON.stringify(meta))
      .lrem(recent, 0, record.hash)
      .lpush(recent, record.hash)
      .lrange(recent, this.#keep, -1)
      .ltrim(recent, 0, this.#keep - 1)
      .hget(this.#key('desired'), 'hash')
      .smembers(this.#key('builds', 'protected'));
    if (profiles) {
      // Asked and added in one transaction: which members were new is exact whoever else saves this hash.
      const key = this.#key('builds', record.hash, 'profiles');
      if (members.length > 0) tx.smismember(key, ...members);
      tx.sadd(key, PROFILES_RECORDED, ...members);
    }
    const reply = await tx.exec();
    const evicted = (reply?.[4]?.[1] ?? []) as string[];
    const desired = reply?.[6]?.[1] as string | null;
    const kept = new Set((reply?.[7]?.[1] ?? []) as string[]);
    const known = members.length > 0 ? ((reply?.[8]?.[1] ?? []) as number[]) : [];
    const doomed = evicted.filter((hash) => hash !== desired && hash !== record.hash && !kept.has(hash));
    if (doomed.length > 0) await this.#redis.del(...doomed.flatMap((hash) => this.#keysOf(hash)));
    return { newProfiles: (profiles ?? []).filter((_, i) => known[i] === 0) };
  }

  /**
   * Whether `hash` was made for `profile` (or saved without recording its profiles, as builds before
   * issue 20 were): the push job sends a build only to a proxy it was made for.
   */
  async madeFor(hash: string, profile: ProxyProfile): Promise<boolean> {
    const member = profileMember(profile);
    if (this.#madeFor.get(hash)?.has(member)) return true;
    const key = this.#key('builds', hash, 'profiles');
    const [among, recorded] = await this.#redis.smismember(key, member, PROFILES_RECORDED);
    if (among === 1) {
      const members = this.#madeFor.get(hash) ?? new Set<string>();
      members.add(member);
      this.#madeFor.set(hash, members);
      if (this.#madeFor.size > 4) this.#madeFor.delete(this.#madeFor.keys().next().value!);
      return true;
    }
    return recorded !== 1;
  }

  /**
   * The builds some proxy may be given besides `desired` (a pin, a rollout's stable build): never
   * evicted while listed, however many newer builds come.
   */
  async protect(hashes: readonly string[]): Promise<void> {
    const key = this.#key('builds', 'protected');
    const [before, recent, desired] = await Promise.all([
      this.#redis.smembers(key),
      this.#redis.lrange(this.#key('builds', 'recent'), 0, -1),
      this.#redis.hget(this.#key('desired'), 'hash'),
    ]);
    const tx = this.#redis.multi().del(key);
    if (hashes.length > 0) tx.sadd(key, ...hashes);
    // A build protected only while in use, and evicted from the kept ones meanwhile, goes now.
    const keep = new Set([...hashes, ...recent, ...(desired ? [desired] : [])]);
    const released = before.filter((hash) => !keep.has(hash));
    if (released.length > 0) tx.del(...released.flatMap((hash) => this.#keysOf(hash)));
    await tx.exec();
  }

  /** Whether the text of `hash` is still stored (a pin needs it). */
  async has(hash: string): Promise<boolean> {
    return (await this.#redis.exists(this.#key('builds', hash))) === 1;
  }

  /**
   * Points `desired` at `hash` unless a build of a newer revision got there first (an older
   * revision never overwrites a newer one). Returns whether it moved and what it pointed at before.
   */
  async advanceDesired(
    hash: string,
    revision: number,
    at = new Date(),
  ): Promise<{ advanced: boolean; previous: string }> {
    const [advanced, previous] = (await ADVANCE(
      this.#redis,
      [this.#key('desired')],
      [hash, revision, at.toISOString()],
    )) as [number, string];
    return { advanced: advanced === 1, previous };
  }

  async desired(): Promise<Desired | null> {
    const fields = await this.#redis.hgetall(this.#key('desired'));
    if (!fields.hash) return null;
    return { hash: fields.hash, revision: Number(fields.revision), at: fields.at ?? '' };
  }

  /**
   * The exact text of a build (what is sent, and what the hash was computed over). A build never
   * changes, so the last two read are kept in memory: a push wave to hundreds of proxies reads the
   * multi-megabyte text from Redis once, not once per proxy.
   */
  async text(hash: string): Promise<string | null> {
    const cached = this.#texts.get(hash);
    if (cached !== undefined) return cached;
    let reading = this.#reading.get(hash);
    if (!reading) {
      reading = this.#read(hash).finally(() => this.#reading.delete(hash));
      this.#reading.set(hash, reading);
    }
    return reading;
  }

  async #read(hash: string): Promise<string | null> {
    const stored = await this.#redis.get(this.#key('builds', hash));
    const text = stored === null ? null : this.#sealed.open(stored);
    if (text !== null) {
      this.#texts.set(hash, text);
      if (this.#texts.size > 2) this.#texts.delete(this.#texts.keys().next().value!);
    }
    return text;
  }

  async record(hash: string): Promise<BuildRecord | null> {
    const reply = await this.#redis
      .multi()
      .get(this.#key('builds', hash, 'meta'))
      .smembers(this.#key('builds', hash, 'profiles'))
      .exec();
    const json = reply?.[0]?.[1] as string | null;
    if (!json) return null;
    const record = JSON.parse(json) as BuildRecord;
    const members = (reply?.[1]?.[1] ?? []) as string[];
    if (!members.includes(PROFILES_RECORDED)) return record;
    const profiles = members
      .filter((member) => member !== PROFILES_RECORDED)
      .sort()
      .flatMap((member) => profileFromMember(member) ?? []);
    return { ...record, profiles };
  }

  /** Newest first. */
  async recent(): Promise<BuildRecord[]> {
    const hashes = await this.#redis.lrange(this.#key('builds', 'recent'), 0, -1);
    const records = await Promise.all(hashes.map((hash) => this.record(hash)));
    return records.filter((record): record is BuildRecord => record !== null);
  }

  /** Rewrites the stored texts not sealed with the current key (after a rotation); returns how many. */
  async reseal(): Promise<number> {
    const current = this.#sealed.currentKeyId;
    if (current === undefined) return 0;
    const hashes = new Set(await this.#redis.lrange(this.#key('builds', 'recent'), 0, -1));
    const desired = await this.#redis.hget(this.#key('desired'), 'hash');
    if (desired) hashes.add(desired);
    let rewritten = 0;
    for (const hash of hashes) {
      const key = this.#key('builds', hash);
      const stored = await this.#redis.get(key);
      if (stored === null || SealedValues.keyIdOf(stored) === current) continue;
      const fresh = this.#sealed.seal(this.#sealed.open(stored));
      rewritten += Number(await RESEAL(this.#redis, [key], [stored, fresh]));
    }
    return rewritten;
  }

  /** Every key of one build. */
  #keysOf(hash: string): string[] {
    return [
      this.#key('builds', hash),
      this.#key('builds', hash, 'meta'),
      this.#key('builds', hash, 'profiles'),
    ];
  }

  #key(...parts: string[]): string {
    return redisKey(this.#prefix, ...parts);
  }
}
