import type { FleetModeRecord, ShadowReport } from '../../domain/shadow.ts';
import type { RedisConnection as Redis } from '../connection.ts';
import { redisKey } from '../keys.ts';

/**
 * The fleet mode the pipeline acts on (shadow or active, see domain/shadow.ts) and the latest shadow
 * report. Keys: fleet:mode (JSON record), shadow:report (JSON of the latest report).
 */
export class ShadowStore {
  readonly #redis: Redis;
  readonly #mode: string;
  readonly #report: string;

  constructor(options: { readonly redis: Redis; readonly prefix: string }) {
    this.#redis = options.redis;
    this.#mode = redisKey(options.prefix, 'fleet', 'mode');
    this.#report = redisKey(options.prefix, 'shadow', 'report');
  }

  async mode(): Promise<FleetModeRecord | null> {
    const json = await this.#redis.get(this.#mode);
    return json ? (JSON.parse(json) as FleetModeRecord) : null;
  }

  async recordMode(record: FleetModeRecord): Promise<void> {
    await this.#redis.set(this.#mode, JSON.stringify(record));
  }

  async report(): Promise<ShadowReport | null> {
    const json = await this.#redis.get(this.#report);
    return json ? (JSON.parse(json) as ShadowReport) : null;
  }

  async recordReport(report: ShadowReport): Promise<void> {
    await this.#redis.set(this.#report, JSON.stringify(report));
  }
}
