import { Counter, Gauge, type Metric, type MetricValue, type Registry } from 'prom-client';
import type { PipelineMetrics } from '../jobs/ports.ts';
import { FLEET_FAMILIES, type FleetFamily, parseSeriesKey } from '../kong/traffic/fleet-series.ts';
import type { ProxyRegistry } from '../queue/store/proxy-registry.ts';
import type { TrafficStore } from '../queue/store/traffic-store.ts';

export interface TrafficMetricsSources {
  readonly store: TrafficStore;
  readonly registry: ProxyRegistry;
}

/**
 * The fleet traffic series on /metrics: the families of kong/traffic/fleet-series.ts, read from the
 * fleet totals in Redis at scrape time (so every replica exports the same values, with no proxy
 * label), plus how the scrapes themselves go.
 */
export function registerTrafficMetrics(
  registry: Registry,
  sources: () => TrafficMetricsSources | undefined,
): Required<Pick<PipelineMetrics, 'trafficScraped'>> {
  /** A scrape of /metrics reads the totals once for every family (they start together). */
  let read: { at: number; totals: Promise<Record<string, number>> } | undefined;
  const totals = () => {
    const current = sources();
    if (!current) return Promise.resolve({});
    if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), totals: current.store.totals() };
    return read.totals;
  };
  for (const family of FLEET_FAMILIES) registry.registerMetric(fleetFamily(family, totals));

  const scrapes = new Counter({
    name: 'kong_fleet_traffic_scrapes_total',
    help: 'Status API /metrics scrapes this process made, per proxy and result (applied, stale, failed, skipped)',
    labelNames: ['proxy', 'result'],
    registers: [registry],
  });
  const resets = new Counter({
    name: 'kong_fleet_traffic_proxy_resets_total',
    help: 'Scrapes that found a proxy restarted (its counters started again; what it had counted was kept)',
    registers: [registry],
  });
  const folded = new Counter({
    name: 'kong_fleet_traffic_folded_routes_total',
    help: 'Routes beyond KONG_FLEET_TRAFFIC_MAX_ROUTES whose traffic was summed as _other, per scrape',
    registers: [registry],
  });
  new Gauge({
    name: 'kong_fleet_traffic_scrape_failing',
    help: 'Failed Status API scrapes in a row per known proxy (0 once a scrape succeeds)',
    labelNames: ['proxy'],
    registers: [registry],
    async collect() {
      const current = sources();
      if (!current) return;
      this.reset();
      const proxies = await current.registry.list();
      for (const status of await current.store.scrapeStatus(proxies.map((proxy) => proxy.id)))
        this.set({ proxy: status.proxy }, status.failures);
    },
  });
  new Gauge({
    name: 'kong_fleet_traffic_routes',
    help: 'Service/route pairs the fleet traffic series keep apart (bounded by KONG_FLEET_TRAFFIC_MAX_ROUTES)',
    registers: [registry],
    async collect() {
      const current = sources();
      if (current) this.set(await current.store.routeCount());
    },
  });

  return {
    trafficScraped({ proxy, result, reset, foldedRoutes }) {
      scrapes.inc({ proxy, result });
      if (reset) resets.inc();
      if (foldedRoutes > 0) folded.inc(foldedRoutes);
    },
  };
}

/**
 * One fleet family as a prom-client metric read from the totals: prom-client's own Counter and
 * Histogram count observations of this process, and these values are sums kept in Redis.
 */
function fleetFamily(family: FleetFamily, totals: () => Promise<Record<string, number>>): Metric {
  const metric = {
    name: family.name,
    help: family.help,
    type: family.type,
    labelNames: family.labels,
    aggregator: 'sum' as const,
    async get() {
      const values: (MetricValue<string> & { metricName: string })[] = [];
      for (const [key, value] of Object.entries(await totals())) {
        const parsed = parseSeriesKey(key);
        if (parsed?.family !== family) continue;
        values.push({ metricName: parsed.name, labels: { ...parsed.labels }, value });
      }
      values.sort(compareSamples);
      return { name: family.name, help: family.help, type: family.type, aggregator: 'sum' as const, values };
    },
    reset() {},
  };
  // prom-client renders any registered object with get(); its Metric type lists only its own classes.
  return metric as unknown as Metric;
}

const SUFFIX_ORDER: Record<string, number> = { _bucket: 0, _sum: 1, _count: 2 };

/** Series of one label set together, buckets by bound, then _sum and _count (as prom-client prints). */
function compareSamples(
  a: MetricValue<string> & { metricName: string },
  b: MetricValue<string> & { metricName: string },
): number {
  const { le: leA, ...restA } = a.labels as Record<string, string>;
  const { le: leB, ...restB } = b.labels as Record<string, string>;
  const group = JSON.stringify(restA).localeCompare(JSON.stringify(restB));
  if (group !== 0) return group;
  const suffix = (name: string) => SUFFIX_ORDER[name.slice(name.lastIndexOf('_'))] ?? 0;
  const order = suffix(a.metricName) - suffix(b.metricName);
  if (order !== 0) return order;
  const bound = (le: string | undefined) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le ?? 0));
  return bound(leA) - bound(leB);
}
