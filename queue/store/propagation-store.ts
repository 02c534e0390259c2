import type { BuildObjects } from '../../domain/propagation.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';

/**
 * What propagation status needs that the build store does not keep: the objects each build holds (written by
 * the build job, read to count on how many proxies an object is live) and what was last written to each object
 * and Pod, so an unchanged status costs no API write.
 *
 * Keys: build-objects:<hash> (BuildObjects JSON, expires after a week: a proxy still running an older build
 * counts as not having the object), desired-since (hash, at), propagation:written (hash objectKey → digest), pod-gates:written (hash
 * proxy id → digest).
 */
export class PropagationStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  async saveBuildObjects(hash: string, objects: BuildObjects): Promise<void> {
    await this.#redis.set(
      this.#key('build-objects', hash),
      JSON.stringify(objects),
      'EX',
      BUILD_OBJECTS_TTL_S,
    );
  }

  /** The objects of each of `hashes` that is known (unknown hashes are left out). */
  async buildObjects(hashes: readonly string[]): Promise<Map<string, BuildObjects>> {
    const found = new Map<string, BuildObjects>();
    if (hashes.length === 0) return found;
    const texts = await this.#redis.mget(...hashes.map((hash) => this.#key('build-objects', hash)));
    texts.forEach((text, i) => {
      if (text) found.set(hashes[i]!, JSON.parse(text) as BuildObjects);
    });
    return found;
  }

  /** When `desired` moved to `hash` (the Pod gate's grace counts from then; a rebuild of the same hash does not reset it). */
  async markDesiredSince(hash: string, at: number): Promise<void> {
    await this.#redis.hset(this.#key('desired-since'), { hash, at: String(at) });
  }

  /** When `desired` moved to `hash`, if recorded for that hash. */
  async desiredSince(hash: string): Promise<number | undefined> {
    const [stored, at] = await this.#redis.hmget(this.#key('desired-since'), 'hash', 'at');
    return stored === hash && at ? Number(at) : undefined;
  }

  /** The digests last written for `keys` (undefined where nothing was). */
  async writtenObjects(keys: readonly string[]): Promise<(string | undefined)[]> {
    return this.#read('propagation', keys);
  }

  async markObjectsWritten(entries: ReadonlyMap<string, string>): Promise<void> {
    if (entries.size > 0) await this.#redis.hset(this.#key('propagation', 'written'), entries);
  }

  /** Forget what was written to these objects (another writer replaced their status): the next run rewrites. */
  async forgetObjects(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.#redis.hdel(this.#key('propagation', 'written'), ...keys);
  }

  /** Forget every object not in `current` (deleted, or no longer served): the record does not grow forever. */
  async pruneObjects(current: ReadonlySet<string>): Promise<void> {
    const known = await this.#redis.hkeys(this.#key('propagation', 'written'));
    await this.forgetObjects(known.filter((key) => !current.has(key)));
  }

  async writtenPod(proxyId: string): Promise<string | undefined> {
    return (await this.#read('pod-gates', [proxyId]))[0];
  }

  async markPodWritten(proxyId: string, digest: string): Promise<void> {
    await this.#redis.hset(this.#key('pod-gates', 'written'), proxyId, digest);
  }

  async forgetPod(proxyId: string): Promise<void> {
    await this.#redis.hdel(this.#key('pod-gates', 'written'), proxyId);
  }

  async #read(family: string, fields: readonly string[]): Promise<(string | undefined)[]> {
    if (fields.length === 0) return [];
    const values = await this.#redis.hmget(this.#key(family, 'written'), ...fields);
    return values.map((v) => v ?? undefined);
  }

  #key(...parts: string[]): string {
    return redisKey(this.#prefix, ...parts);
  }
}

const BUILD_OBJECTS_TTL_S = 7 * 86_400;
