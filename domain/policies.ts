/**
 * Fleet policies with a default and a setting that overrides it, declared once: the job definitions,
 * the settings' defaults and the controller's overrides all read them from here.
 */

/** Push retries to one proxy: 0.5 s doubling up to a minute (`--push-backoff-cap`), 30 % jitter. */
export const PUSH_BACKOFF = Object.freeze({ baseMs: 500, capMs: 60_000, jitter: 0.3 });

/** How often every proxy is asked for its configuration hash (`--drift-interval`). */
export const DRIFT_INTERVAL_MS = 10_000;

/**
 * How often every proxy's GET /status is probed for a lost config (`--status-probe-interval`): a
 * restarted proxy is re-pushed within this long of answering again. About 0.2 ms of controller CPU
 * per probe: at 500 ms, ~4 % of a core for 100 proxies.
 */
export const STATUS_PROBE_INTERVAL_MS = 500;

/**
 * The fleet is probed at most this often a second (`--status-probe-rate`): 100 proxies every 500 ms,
 * 1,000 every 5 s. At 2,000 probes a second (1,000 proxies every 500 ms) the probes' answers starved the
 * pushes: in the convergence benchmark no push finished in 120 s.
 */
export const STATUS_PROBE_MAX_PER_SECOND = 200;

/** Three missed drift checks (and some slack) and a proxy no longer counts as reachable. */
export function staleAfterMs(driftIntervalMs: number): number {
  return 3 * driftIntervalMs + 5000;
}

/**
 * How often a ProxyInstance is rewritten only to refresh `lastSeenTime` (state changes are written at once):
 * once a minute per proxy, stretched so the whole fleet stays under one such write a second — freshness lives
 * in Redis (`kong-fleet status`, `/api/proxies`), not in an object write per proxy per minute.
 */
export function lastSeenRefreshMs(proxies: number): number {
  return Math.max(60_000, proxies * 1000);
}
