import type { DriftReport, ProxyDriftEntry } from '../../domain/drift.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';

/**
 * Drift reports: one per drift check, in a capped Redis stream (newest kept), plus the latest entry
 * per proxy. Keys: drift:reports (stream, field `r` = report JSON), drift:latest (hash proxy → entry JSON).
 */

export class DriftReports {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #latest: string;
  readonly #keep: number;

  constructor(options: {
    readonly redis: Redis;
    readonly prefix: string /** @defaultValue 1000 */;
    readonly keep?: number;
  }) {
    this.#redis = options.redis;
    this.#stream = redisKey(options.prefix, 'drift', 'reports');
    this.#latest = redisKey(options.prefix, 'drift', 'latest');
    this.#keep = options.keep ?? 1000;
  }

  async record(report: DriftReport): Promise<string> {
    const tx = this.#redis
      .multi()
      .xadd(this.#stream, 'MAXLEN', '~', this.#keep, '*', 'r', JSON.stringify(report));
    for (const entry of report.proxies)
      tx.hset(this.#latest, entry.proxy, JSON.stringify({ ...entry, at: report.at }));
    const proxies = new Set(report.proxies.map((entry) => entry.proxy));
    const known = await this.#redis.hkeys(this.#latest);
    const gone = known.filter((proxy) => !proxies.has(proxy));
    if (gone.length > 0) tx.hdel(this.#latest, ...gone);
    const reply = await tx.exec();
    return String(reply?.[0]?.[1] ?? '');
  }

  /** Newest first; only reports at or after `sinceMs` when given. */
  async list({ sinceMs, count = 100 }: { sinceMs?: number; count?: number } = {}): Promise<DriftReport[]> {
    const entries = await this.#redis.xrevrange(
      this.#stream,
      '+',
      sinceMs === undefined ? '-' : String(sinceMs),
      'COUNT',
      count,
    );
    return entries.map(([id, fields]) => ({ ...(JSON.parse(fields[1] ?? '{}') as DriftReport), id }));
  }

  /** The latest entry per proxy (with the time of its report). */
  async latest(): Promise<(ProxyDriftEntry & { at: string })[]> {
    const all = await this.#redis.hgetall(this.#latest);
    return Object.values(all)
      .map((json) => JSON.parse(json) as ProxyDriftEntry & { at: string })
      .sort((a, b) => a.proxy.localeCompare(b.proxy));
  }
}
