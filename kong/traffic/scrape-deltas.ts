/**
 * What one scrape of one proxy adds to the fleet totals. Kong's counters only grow while a process
 * lives and start from zero in a new one; the controller keeps what it last saw of each proxy and adds
 * the difference. Pure: the previous and current counters in, the increments and the next "last seen" out.
 */
import {
  OVERFLOW,
  overflowKey,
  type ProxyCounters,
  parseSeriesKey,
  type SeriesValues,
} from './fleet-series.ts';

export interface ScrapeDelta {
  /** Series key → what to add to the fleet total (only non-zero increments). */
  readonly increments: SeriesValues;
  /** What to remember as this proxy's last seen counters. */
  readonly seen: ProxyCounters;
  /**
   * The proxy restarted since the last scrape (a new node id, or a counter lower than last seen):
   * everything it counted before was already added, so its whole current count is new.
   */
  readonly reset: boolean;
}

/**
 * The increments of a scrape. A restart resets every counter of the process at once, so one counter
 * that went down makes the whole scrape a reset — also for the series that have since grown past
 * their old value, which a per-series check would undercount. A series the proxy no longer reports
 * is remembered as it was (it cannot lose counts without a restart), so it is not counted twice if
 * it comes back.
 */
export function scrapeDelta(previous: ProxyCounters | undefined, current: ProxyCounters): ScrapeDelta {
  const reset = previous !== undefined && isReset(previous, current);
  const base = previous === undefined || reset ? {} : previous.series;
  const increments: Record<string, number> = {};
  for (const [key, value] of Object.entries(current.series)) {
    const increment = value - (base[key] ?? 0);
    if (increment > 0) increments[key] = increment;
  }
  const seen: ProxyCounters = {
    ...(current.nodeId === undefined ? {} : { nodeId: current.nodeId }),
    series: { ...base, ...current.series },
  };
  return { increments, seen, reset };
}

function isReset(previous: ProxyCounters, current: ProxyCounters): boolean {
  if (previous.nodeId !== undefined && current.nodeId !== undefined && previous.nodeId !== current.nodeId)
    return true;
  return Object.entries(current.series).some(([key, value]) => value < (previous.series[key] ?? 0));
}

export interface CappedIncrements {
  readonly increments: SeriesValues;
  /** Routes new to the fleet that were admitted (the caller records them as known). */
  readonly admittedRoutes: readonly string[];
  /** Routes (service and route pairs) not admitted: their series were folded into the overflow series. */
  readonly foldedRoutes: readonly string[];
}

/**
 * Keeps the fleet at `limit` routes (service and route pairs; each has a few series per code, direction
 * and latency bucket): increments of routes the fleet already has pass, new routes are admitted while
 * there is room, and after that their series are folded into the overflow route (service and route
 * `_other`, other labels kept), all series of a route together, so totals stay exact, histograms stay
 * whole and cardinality stays bounded.
 */
export function capSeries(
  increments: SeriesValues,
  knownRoutes: { readonly size: number; has(route: string): boolean },
  limit: number,
): CappedIncrements {
  const out: Record<string, number> = {};
  const admitted = new Set<string>();
  const folded = new Set<string>();
  for (const [key, value] of Object.entries(increments)) {
    const route = routeOfKey(key);
    if (route === undefined) continue;
    let target = key;
    if (!knownRoutes.has(route) && !admitted.has(route) && route !== OVERFLOW_ROUTE) {
      if (knownRoutes.size + admitted.size < limit && !folded.has(route)) admitted.add(route);
      else folded.add(route);
    }
    if (folded.has(route)) target = overflowKey(key) ?? key;
    out[target] = (out[target] ?? 0) + value;
  }
  return { increments: out, admittedRoutes: [...admitted], foldedRoutes: [...folded] };
}

/** The route identity of a series key (service and route, unambiguous whatever the names hold). */
export function routeOfKey(key: string): string | undefined {
  const parsed = parseSeriesKey(key);
  return parsed ? routeIdentity(parsed.labels.service ?? '', parsed.labels.route ?? '') : undefined;
}

export const routeIdentity = (service: string, route: string) => JSON.stringify([service, route]);
const OVERFLOW_ROUTE = routeIdentity(OVERFLOW, OVERFLOW);
