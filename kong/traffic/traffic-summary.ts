/**
 * Fleet series read as a table an operator scans: per service and route, requests, error rates,
 * bandwidth and latency percentiles (from the merged histogram, as PromQL's histogram_quantile does).
 */
import { parseSeriesKey, type SeriesValues } from './fleet-series.ts';

export interface RouteTraffic {
  readonly service: string;
  readonly route: string;
  readonly requests: number;
  /** Answers with a 5xx code, and their share of requests (0 without requests). */
  readonly serverErrors: number;
  readonly errorRate: number;
  /** Answers with a 4xx code. */
  readonly clientErrors: number;
  readonly ingressBytes: number;
  readonly egressBytes: number;
  /** Total request latency percentiles (ms); absent without observations. */
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
}

interface Accumulator {
  service: string;
  route: string;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  ingressBytes: number;
  egressBytes: number;
  buckets: Map<number, number>;
}

/** Routes by requests, busiest first (then by name, so equal rows keep one order). */
export function summarizeTraffic(series: SeriesValues): RouteTraffic[] {
  const routes = new Map<string, Accumulator>();
  const routeOf = (service: string, route: string) => {
    const id = JSON.stringify([service, route]);
    let row = routes.get(id);
    if (!row) {
      row = {
        service,
        route,
        requests: 0,
        serverErrors: 0,
        clientErrors: 0,
        ingressBytes: 0,
        egressBytes: 0,
        buckets: new Map(),
      };
      routes.set(id, row);
    }
    return row;
  };
  for (const [key, value] of Object.entries(series)) {
    const parsed = parseSeriesKey(key);
    if (!parsed) continue;
    const { labels } = parsed;
    const row = routeOf(labels.service ?? '', labels.route ?? '');
    if (parsed.name === 'kong_fleet_http_requests_total') {
      row.requests += value;
      if (labels.code?.startsWith('5')) row.serverErrors += value;
      if (labels.code?.startsWith('4')) row.clientErrors += value;
    } else if (parsed.name === 'kong_fleet_bandwidth_bytes') {
      if (labels.direction === 'ingress') row.ingressBytes += value;
      if (labels.direction === 'egress') row.egressBytes += value;
    } else if (parsed.name === 'kong_fleet_request_latency_ms_bucket') {
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      row.buckets.set(le, (row.buckets.get(le) ?? 0) + value);
    }
  }
  return [...routes.values()]
    .map((row) => {
      const buckets = [...row.buckets].sort(([a], [b]) => a - b);
      const quantiles = Object.fromEntries(
        (
          [
            ['p50Ms', 0.5],
            ['p95Ms', 0.95],
            ['p99Ms', 0.99],
          ] as const
        ).flatMap(([name, q]) => {
          const value = histogramQuantile(q, buckets);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      return {
        service: row.service,
        route: row.route,
        requests: row.requests,
        serverErrors: row.serverErrors,
        errorRate: row.requests > 0 ? row.serverErrors / row.requests : 0,
        clientErrors: row.clientErrors,
        ingressBytes: row.ingressBytes,
        egressBytes: row.egressBytes,
        ...quantiles,
      };
    })
    .sort(
      (a, b) =>
        b.requests - a.requests || a.service.localeCompare(b.service) || a.route.localeCompare(b.route),
    );
}

/**
 * The q-quantile of cumulative buckets (upper bound → count, ascending), interpolated linearly inside
 * the bucket that holds it, from 0 below the first; in the +Inf bucket, the highest finite bound.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly (readonly [number, number])[],
): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (buckets.length === 0 || total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
