import type { Logger } from 'pino';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';
import { lostConfig, type StatusObservation } from './lost-config.ts';
import type { PipelineDeps } from './ports.ts';
import { repairLostConfig } from './restart-repair.ts';
import { targetHash } from './target-hash.ts';

export interface StatusProbeOptions {
  readonly deps: Pick<
    PipelineDeps,
    'registry' | 'builds' | 'rollouts' | 'admin' | 'producer' | 'fleet' | 'events'
  >;
  /** Every proxy is asked for its hash this often (`--status-probe-interval`)... */
  readonly intervalMs: number;
  /**
   * ...or less often, so that the whole fleet is asked at most this many times a second
   * (`--status-probe-rate`): at 1,000 proxies a 500 ms round would be 2,000 requests a second, enough to
   * starve the pushes themselves.
   */
  readonly maxPerSecond: number;
  readonly logger: Logger;
}

/** How long a round of `proxies` probes takes at most `maxPerSecond`, and never less than `intervalMs`. Pure. */
export function probePeriodMs(intervalMs: number, proxies: number, maxPerSecond: number): number {
  return Math.max(intervalMs, (proxies * 1000) / maxPerSecond);
}

const WHY = {
  empty: 'lost its configuration',
  restarted: 'restarted (its counters went back) with another configuration',
  returned: 'answers again with an older configuration',
} as const;

/** A probe waits no longer than this for an answer: a slow proxy is the drift check's to judge. */
const PROBE_DEADLINE_MS = 1000;

/**
 * The cheap, frequent half of the drift check: every interval, one `GET /status` (a few hundred bytes)
 * to each proxy, kept in memory only, so a proxy that restarted and lost its config is noticed within
 * one interval of answering again and re-pushed at once (jobs/restart-repair.ts); so is one that was
 * away (down, hung, cut off) while builds went out, whose pushes backed off meanwhile. It writes to
 * Redis only when it finds one; everything else (unreachable, foreign pushes, reports) stays with the
 * drift check. One probe per proxy in flight at most, so a hung proxy delays nobody.
 */
export class StatusProbe implements Runnable {
  readonly name = 'status-probe';
  readonly #options: StatusProbeOptions;
  readonly #last = new Map<string, StatusObservation>();
  readonly #inFlight = new Set<string>();

  constructor(options: StatusProbeOptions) {
    this.#options = options;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { intervalMs, maxPerSecond, logger } = this.#options;
    while (!signal.aborted) {
      const started = performance.now();
      const proxies = await this.#round(signal).catch((err: unknown) => {
        logger.warn({ err }, 'status probe round failed; trying again next interval');
        return 0;
      });
      const periodMs = probePeriodMs(intervalMs, proxies, maxPerSecond);
      await sleep(Math.max(0, periodMs - (performance.now() - started)), signal);
    }
  }

  /** Starts a probe of every proxy not still being probed; waits for the Redis reads only. Returns the fleet's size. */
  async #round(signal: AbortSignal): Promise<number> {
    const { deps } = this.#options;
    const [proxies, desired, fleetTarget] = await Promise.all([
      deps.registry.list(),
      deps.builds.desired(),
      deps.rollouts.read(),
    ]);
    const known = new Set(proxies.map((proxy) => proxy.id));
    for (const id of this.#last.keys()) if (!known.has(id)) this.#last.delete(id);
    for (const proxy of proxies) {
      if (this.#inFlight.has(proxy.id)) continue;
      this.#inFlight.add(proxy.id);
      // Judged by the build it should run: a pinned fleet or a rollout's stable proxies are not behind.
      this.#probe(proxy, targetHash(proxy.id, desired?.hash, fleetTarget) ?? null, signal)
        .catch((err: unknown) => {
          if (!signal.aborted) this.#options.logger.warn({ err, proxy: proxy.id }, 'status probe failed');
        })
        .finally(() => this.#inFlight.delete(proxy.id));
    }
    return proxies.length;
  }

  async #probe(proxy: ProxyEndpoint, desired: string | null, signal: AbortSignal): Promise<void> {
    const { deps, logger } = this.#options;
    const read = await deps.admin.readStatus(proxy, { signal, floorMs: PROBE_DEADLINE_MS });
    const previous = this.#last.get(proxy.id);
    const now = Date.now();
    const current: StatusObservation =
      read.kind === 'ok'
        ? { answered: true, hash: read.value.configurationHash, counters: read.value.server }
        : { answered: false, since: previous?.answered === false ? previous.since : now, lastAt: now };
    this.#last.set(proxy.id, current);
    const loss = lostConfig(previous, current, desired);
    if (!loss || !current.answered || desired === null) return;
    const why = WHY[loss];
    let action: Awaited<ReturnType<typeof repairLostConfig>>;
    try {
      // A proxy that was away lost nothing: its ProxyUnreachable Event came from the drift check already.
      action = await repairLostConfig(deps, proxy, { hash: current.hash, why }, desired, {
        event: loss !== 'returned',
      });
    } catch (err) {
      // Not repaired (Redis or the API server failed us): the next probe must see the same loss as
      // new again, not a proxy already known empty, which it would leave to a push nobody asked for.
      if (this.#last.get(proxy.id) === current)
        this.#last.set(proxy.id, previous ?? { answered: false, since: now, lastAt: now });
      throw err;
    }
    logger.info({ proxy: proxy.id, actual: current.hash, desired, action }, `proxy ${why}`);
  }
}
