import { z } from 'zod';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { defineJob } from '../queue/define-job.ts';
import type { PipelineDeps, TrafficPorts } from './ports.ts';

export const TrafficScrapePayload = z.strictObject({});
export type TrafficScrapePayload = z.infer<typeof TrafficScrapePayload>;

/** The default interval; the controller sets KONG_FLEET_TRAFFIC_SCRAPE_INTERVAL's. */
export const TRAFFIC_SCRAPE_INTERVAL_MS = 15_000;
const SCRAPE_CONCURRENCY = 20;
const SCRAPE_TIMEOUT_MS = 3000;

/**
 * Every interval: reads every proxy's Status API /metrics (at most 20 at once) and adds what each
 * counted since its last scrape to the fleet totals (queue/store/traffic-store.ts says how a count is
 * added exactly once, across restarts and replicas). A proxy that fails is recorded as failing and
 * never holds up or stops the others.
 */
export const trafficScrape = defineJob<TrafficScrapePayload, PipelineDeps>({
  name: 'traffic-scrape',
  role: 'drift',
  payload: TrafficScrapePayload,
  schedule: { every: TRAFFIC_SCRAPE_INTERVAL_MS },
  schedulePayload: {},
  // A missed interval loses nothing (the next scrape reads the grown counters): never retry.
  attempts: 1,
  timeoutMs: 60_000,
  run: async (_payload, { deps, signal, log }) => {
    const traffic = deps.traffic;
    if (!traffic) return { skipped: 'traffic scraping is not configured in this process' };
    const proxies = await deps.registry.list();
    const outcomes = await mapLimit(proxies, SCRAPE_CONCURRENCY, (proxy) =>
      scrapeProxy(deps, traffic, proxy, signal).catch((err: unknown) => {
        if (signal.aborted) throw err;
        log.warn({ err, proxy: proxy.id }, 'traffic scrape failed');
        return 'failed' as const;
      }),
    );
    const count = (result: string) => outcomes.filter((outcome) => outcome === result).length;
    return { applied: count('applied'), failed: count('failed'), skipped: count('skipped') };
  },
});

async function scrapeProxy(
  deps: PipelineDeps,
  traffic: TrafficPorts,
  proxy: ProxyEndpoint,
  signal: AbortSignal,
): Promise<'applied' | 'stale' | 'failed' | 'skipped'> {
  const report = (result: 'applied' | 'stale' | 'failed' | 'skipped', reset = false, foldedRoutes = 0) => {
    deps.metrics?.trafficScraped?.({ proxy: proxy.id, result, reset, foldedRoutes });
    return result;
  };
  if (!(await traffic.store.claim(proxy.id, traffic.intervalMs))) return report('skipped');
  const startedAt = Date.now();
  // Shorter than the claim: one scrape of a proxy ends before the next may start.
  const timeoutMs = Math.min(SCRAPE_TIMEOUT_MS, Math.floor(traffic.intervalMs * 0.8));
  const answer = await traffic.scraper.scrape(statusUrlOf(proxy, traffic.statusPort), { signal, timeoutMs });
  if (answer.kind === 'failed') {
    await traffic.store.recordScrape(proxy.id, { at: startedAt, error: answer.description });
    return report('failed');
  }
  const applied = await traffic.store.apply(proxy.id, answer.counters, startedAt);
  await traffic.store.recordScrape(proxy.id, { at: startedAt });
  return report(applied.result, applied.reset, applied.foldedRoutes.length);
}

/** The Status API of a proxy: its admin address's host, Kong's status_listen port, plain HTTP. */
export function statusUrlOf(proxy: ProxyEndpoint, port: number): string {
  return `http://${new URL(proxy.adminUrl).hostname}:${port}`;
}
