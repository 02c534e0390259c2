/**
 * Which of a proxy's Prometheus series the fleet aggregates, and under which fleet names: the per-proxy
 * labels (consumer, source, workspace, node) are summed away so a fleet series is one per service,
 * route and code (or direction, or latency bucket), whatever the number of proxies.
 */
import { type Exposition, formatSeries, type Labels, parseSampleLine } from './prometheus-text.ts';

export interface FleetFamily {
  /** The fleet metric family exported on the controller's /metrics. */
  readonly name: string;
  readonly type: 'counter' | 'histogram';
  readonly help: string;
  /** The Kong family it is summed from (Kong's prometheus plugin). */
  readonly source: string;
  /** Labels kept, in this order; a histogram adds `le` to its buckets. */
  readonly labels: readonly string[];
}

export const FLEET_FAMILIES: readonly FleetFamily[] = [
  {
    name: 'kong_fleet_http_requests_total',
    type: 'counter',
    help: 'Requests served by the whole fleet per service, route and status code (every proxy, across restarts)',
    source: 'kong_http_requests_total',
    labels: ['service', 'route', 'code'],
  },
  {
    name: 'kong_fleet_bandwidth_bytes',
    type: 'counter',
    help: 'Bytes through the whole fleet per service, route and direction (ingress, egress)',
    source: 'kong_bandwidth_bytes',
    labels: ['service', 'route', 'direction'],
  },
  {
    name: 'kong_fleet_request_latency_ms',
    type: 'histogram',
    help: 'Total request latency across the fleet per service and route, merged bucket by bucket',
    source: 'kong_request_latency_ms',
    labels: ['service', 'route'],
  },
  {
    name: 'kong_fleet_upstream_latency_ms',
    type: 'histogram',
    help: 'Upstream latency across the fleet per service and route, merged bucket by bucket',
    source: 'kong_upstream_latency_ms',
    labels: ['service', 'route'],
  },
  {
    name: 'kong_fleet_kong_latency_ms',
    type: 'histogram',
    help: 'Latency added by Kong and its plugins across the fleet per service and route',
    source: 'kong_kong_latency_ms',
    labels: ['service', 'route'],
  },
];

/** Label value that series beyond the cardinality limit are folded into (service and route). */
export const OVERFLOW = '_other';

/** One proxy's counters as fleet series: series key (formatSeries text) → value. */
export type SeriesValues = Readonly<Record<string, number>>;

export interface ProxyCounters {
  /** Kong's node id (kong_node_info): a new one means a new process, whatever its counters say. */
  readonly nodeId?: string;
  readonly series: SeriesValues;
}

export interface SeriesKey {
  /** The sample name (a histogram family's `_bucket`, `_sum` or `_count`). */
  readonly name: string;
  readonly family: FleetFamily;
  readonly labels: Labels;
}

const SUFFIXES = ['_bucket', '_sum', '_count'] as const;

interface Target {
  readonly family: FleetFamily;
  readonly suffix: '' | (typeof SUFFIXES)[number];
}

const targets = new Map<string, Target>();
const families = new Map<string, { family: FleetFamily; suffix: Target['suffix'] }>();
for (const family of FLEET_FAMILIES) {
  if (family.type === 'counter') {
    targets.set(family.source, { family, suffix: '' });
    families.set(family.name, { family, suffix: '' });
  } else {
    for (const suffix of SUFFIXES) {
      targets.set(`${family.source}${suffix}`, { family, suffix });
      families.set(`${family.name}${suffix}`, { family, suffix });
    }
  }
}

/** `0025.0` (Kong pads its bucket bounds) and `25` are one bucket: bounds compare as numbers. */
export function normalizeLe(le: string): string {
  if (le === '+Inf' || le === 'Inf') return '+Inf';
  const value = Number(le);
  return Number.isFinite(value) ? String(value) : le;
}

/** Sums a proxy's exposition into fleet series (per-proxy labels summed away). */
export function projectExposition(exposition: Exposition): ProxyCounters {
  const series: Record<string, number> = {};
  let nodeId: string | undefined;
  for (const sample of exposition.samples) {
    if (sample.name === 'kong_node_info' && sample.labels.node_id) nodeId = sample.labels.node_id;
    const target = targets.get(sample.name);
    if (!target || !Number.isFinite(sample.value)) continue;
    const labels: Record<string, string> = {};
    for (const label of target.family.labels) labels[label] = sample.labels[label] ?? '';
    if (target.suffix === '_bucket') labels.le = normalizeLe(sample.labels.le ?? '+Inf');
    const key = formatSeries(`${target.family.name}${target.suffix}`, labels);
    series[key] = (series[key] ?? 0) + sample.value;
  }
  return nodeId === undefined ? { series } : { nodeId, series };
}

/** Reads a series key back; undefined for a key of no fleet family (an older controller's, say). */
export function parseSeriesKey(key: string): SeriesKey | undefined {
  try {
    const sample = parseSampleLine(`${key} 0`);
    const known = families.get(sample.name);
    return known ? { name: sample.name, family: known.family, labels: sample.labels } : undefined;
  } catch {
    return undefined;
  }
}

/** The key a series beyond the cardinality limit is counted under: its service and route folded. */
export function overflowKey(key: string): string | undefined {
  const parsed = parseSeriesKey(key);
  if (!parsed) return undefined;
  return formatSeries(parsed.name, { ...parsed.labels, service: OVERFLOW, route: OVERFLOW });
}
