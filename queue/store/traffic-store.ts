import type { ProxyCounters, SeriesValues } from '../../kong/traffic/fleet-series.ts';
import { capSeries, routeOfKey, scrapeDelta } from '../../kong/traffic/scrape-deltas.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';
import { luaScript } from './lua.ts';

/**
 * The fleet's traffic, summed from every proxy's Status API /metrics. Keys:
 * - traffic:seen:<proxy> (hash: version, startedAt, counters = the proxy's last seen counters as JSON)
 * - traffic:totals (hash: series key → fleet total since the first scrape; never decreases)
 * - traffic:minute:<epoch minute> (hash: series key → what that minute added; expires after the retention)
 * - traffic:routes (set of the service/route pairs the fleet has: the cardinality limit counts them)
 * - traffic:scrape:<proxy> (hash: lastScrapeAt, lastSuccessAt, lastError, failures in a row)
 * - traffic:claim:<proxy> (string, one interval: this proxy is being scraped for this interval)
 *
 * One writer per proxy per interval: a scrape first claims the proxy for the interval (SET NX), so
 * replicas, retries and late schedules never scrape it twice at once. The increments themselves are
 * applied by one script that checks the version of the last seen counters it was computed against
 * (a lost race recomputes) and that no later scrape was applied already (an old answer arriving late is
 * dropped): a count is added exactly once.
 */
const APPLY = luaScript(`
local startedAt = tonumber(redis.call('HGET', KEYS[1], 'startedAt') or '0')
if tonumber(ARGV[3]) <= startedAt then return -1 end
local version = redis.call('HGET', KEYS[1], 'version') or ''
if version ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', tostring((tonumber(version) or 0) + 1), 'counters', ARGV[2], 'startedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local routes = tonumber(ARGV[6])
for i = 7, 6 + routes do redis.call('SADD', KEYS[4], ARGV[i]) end
for i = 7 + routes, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBYFLOAT', KEYS[3], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1
`);

/** What a proxy's last seen counters are kept at least this long for (a proxy away longer starts afresh). */
const SEEN_TTL_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;
const APPLY_ATTEMPTS = 10;

export interface ScrapeStatus {
  readonly proxy: string;
  readonly lastScrapeAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: string;
  /** Failed scrapes in a row (0 after a success). */
  readonly failures: number;
}

export interface AppliedScrape {
  readonly result: 'applied' | 'stale';
  readonly reset: boolean;
  readonly increments: SeriesValues;
  readonly foldedRoutes: readonly string[];
}

export interface TrafficStoreOptions {
  readonly redis: Redis;
  readonly prefix: string;
  /** How long per-minute increments are kept for `since` queries. @defaultValue 24 h */
  readonly retentionMs?: number;
  /** Service/route pairs the fleet keeps apart; more are summed as `_other`. @defaultValue 1000 */
  readonly maxRoutes?: number;
}

export class TrafficStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly retentionMs: number;
  readonly maxRoutes: number;

  constructor(options: TrafficStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.retentionMs = options.retentionMs ?? 86_400_000;
    this.maxRoutes = options.maxRoutes ?? 1000;
  }

  #key(...parts: string[]): string {
    return redisKey(this.#prefix, 'traffic', ...parts);
  }

  /** Claims `proxy` for one interval; false when another scrape holds it. */
  async claim(proxy: string, intervalMs: number): Promise<boolean> {
    const answer = await this.#redis.set(
      this.#key('claim', proxy),
      String(Date.now()),
      'PX',
      intervalMs,
      'NX',
    );
    return answer === 'OK';
  }

  /**
   * Adds what the scrape of `proxy` started at `startedAtMs` counted since the last one (a restart's
   * whole count when it restarted), within the route limit.
   */
  async apply(proxy: string, counters: ProxyCounters, startedAtMs: number): Promise<AppliedScrape> {
    const seenKey = this.#key('seen', proxy);
    const routesKey = this.#key('routes');
    for (let attempt = 1; ; attempt++) {
      const [version, json] = await this.#redis.hmget(seenKey, 'version', 'counters');
      const previous = json ? (JSON.parse(json) as ProxyCounters) : undefined;
      const delta = scrapeDelta(previous, counters);
      const routes = [...new Set(Object.keys(delta.increments).flatMap((key) => routeOfKey(key) ?? []))];
      const [size, members] = await Promise.all([
        this.#redis.scard(routesKey),
        routes.length > 0 ? this.#redis.smismember(routesKey, ...routes) : Promise.resolve([]),
      ]);
      const known = new Set(routes.filter((_, i) => members[i] === 1));
      const capped = capSeries(delta.increments, { size, has: (route) => known.has(route) }, this.maxRoutes);
      const minute = Math.floor(startedAtMs / MINUTE_MS);
      const reply = await APPLY(
        this.#redis,
        [seenKey, this.#key('totals'), this.#key('minute', String(minute)), routesKey],
        [
          version ?? '',
          JSON.stringify(delta.seen),
          startedAtMs,
          this.retentionMs + MINUTE_MS,
          Math.max(SEEN_TTL_MS, this.retentionMs),
          capped.admittedRoutes.length,
          ...capped.admittedRoutes,
          ...Object.entries(capped.increments).flat(),
        ],
      );
      if (reply === 1 || reply === -1)
        return {
          result: reply === 1 ? 'applied' : 'stale',
          reset: delta.reset,
          increments: reply === 1 ? capped.increments : {},
          foldedRoutes: capped.foldedRoutes,
        };
      if (attempt >= APPLY_ATTEMPTS)
        throw new Error(`traffic of ${proxy}: counters changed under ${APPLY_ATTEMPTS} attempts in a row`);
    }
  }

  async recordScrape(
    proxy: string,
    outcome: { readonly at: number; readonly error?: string },
  ): Promise<void> {
    const key = this.#key('scrape', proxy);
    const at = new Date(outcome.at).toISOString();
    const tx = this.#redis.multi();
    if (outcome.error === undefined)
      tx.hset(key, 'lastScrapeAt', at, 'lastSuccessAt', at, 'failures', 0).hdel(key, 'lastError');
    else tx.hset(key, 'lastScrapeAt', at, 'lastError', outcome.error).hincrby(key, 'failures', 1);
    await tx.pexpire(key, Math.max(SEEN_TTL_MS, this.retentionMs)).exec();
  }

  async scrapeStatus(proxies: readonly string[]): Promise<ScrapeStatus[]> {
    const tx = this.#redis.multi();
    for (const proxy of proxies) tx.hgetall(this.#key('scrape', proxy));
    const replies = (await tx.exec()) ?? [];
    return proxies.map((proxy, i) => {
      const fields = (replies[i]?.[1] ?? {}) as Record<string, string>;
      return {
        proxy,
        ...(fields.lastScrapeAt ? { lastScrapeAt: fields.lastScrapeAt } : {}),
        ...(fields.lastSuccessAt ? { lastSuccessAt: fields.lastSuccessAt } : {}),
        ...(fields.lastError ? { lastError: fields.lastError } : {}),
        failures: Number(fields.failures ?? 0),
      };
    });
  }

  /** Each proxy's last seen counters (what its last applied scrape read), for the rollout's health check. */
  async seen(proxies: readonly string[]): Promise<Map<string, ProxyCounters>> {
    const tx = this.#redis.multi();
    for (const proxy of proxies) tx.hget(this.#key('seen', proxy), 'counters');
    const replies = (await tx.exec()) ?? [];
    const seen = new Map<string, ProxyCounters>();
    proxies.forEach((proxy, i) => {
      const json = replies[i]?.[1] as string | null | undefined;
      if (json) seen.set(proxy, JSON.parse(json) as ProxyCounters);
    });
    return seen;
  }

  /** The fleet totals since the first scrape (what /metrics exports as counters). */
  async totals(): Promise<Record<string, number>> {
    return toNumbers(await this.#redis.hgetall(this.#key('totals')));
  }

  /** What the fleet counted from `sinceMs` (rounded down to its minute, bounded by the retention) to now. */
  async since(sinceMs: number, nowMs = Date.now()): Promise<Record<string, number>> {
    const first = Math.floor(Math.max(sinceMs, nowMs - this.retentionMs) / MINUTE_MS);
    const last = Math.floor(nowMs / MINUTE_MS);
    const tx = this.#redis.multi();
    for (let minute = first; minute <= last; minute++) tx.hgetall(this.#key('minute', String(minute)));
    const sums: Record<string, number> = {};
    for (const [, fields] of (await tx.exec()) ?? []) {
      for (const [key, value] of Object.entries(toNumbers(fields as Record<string, string>)))
        sums[key] = (sums[key] ?? 0) + value;
    }
    return sums;
  }

  /** The fleet series (totals, or what the period from `sinceMs` added) and the scrape status of `proxies`. */
  async read(
    proxies: readonly string[],
    sinceMs?: number,
    nowMs = Date.now(),
  ): Promise<{ series: Record<string, number>; scrapes: ScrapeStatus[] }> {
    const [series, scrapes] = await Promise.all([
      sinceMs === undefined ? this.totals() : this.since(sinceMs, nowMs),
      this.scrapeStatus(proxies),
    ]);
    return { series, scrapes };
  }

  /** How many service/route pairs the fleet keeps apart. */
  async routeCount(): Promise<number> {
    return this.#redis.scard(this.#key('routes'));
  }
}

function toNumbers(fields: Record<string, string> | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(fields ?? {})) out[key] = Number(value);
  return out;
}
