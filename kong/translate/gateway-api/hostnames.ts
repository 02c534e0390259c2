/**
 * Gateway API hostname matching between a listener and a route (spec: `HTTPRouteSpec.hostnames`,
 * `Listener.hostname`). A leading `*.` label matches one or more labels, never the bare suffix.
 */

/** Whether `pattern` (exact or `*.suffix`) covers `host` (which may itself be a wildcard). */
export function hostnameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(1); // ".example.com"
  return h.endsWith(suffix) && h.length > suffix.length;
}

/**
 * The hostnames a route serves through one listener: `'any'` when neither restricts, else the intersection
 * (the more specific of each matching pair), empty when they do not intersect.
 */
export function intersectHostnames(listener: string | undefined, route: readonly string[]): 'any' | string[] {
  if (listener === undefined || listener === '') return route.length === 0 ? 'any' : [...route];
  if (route.length === 0) return [listener];
  const out: string[] = [];
  for (const host of route) {
    const match = hostnameCovers(listener, host)
      ? host
      : hostnameCovers(host, listener)
        ? listener
        : undefined;
    if (match !== undefined && !out.includes(match)) out.push(match);
  }
  return out;
}
