import type { PipelineDeps } from '../jobs/ports.ts';
import { viewOfProxy } from '../jobs/proxy-state.ts';
import { targetHash } from '../jobs/target-hash.ts';
import { summarizeTraffic } from '../kong/traffic/traffic-summary.ts';
import type { Metrics } from './metrics.ts';

/** Every known proxy with its status and the state the fleet table shows (/api/proxies, /fleet). */
export async function proxyRows(deps: PipelineDeps, staleAfterMs: number) {
  const [proxies, desired, target] = await Promise.all([
    deps.registry.list(),
    deps.builds.desired(),
    deps.rollouts.read(),
  ]);
  const now = Date.now();
  const rows = await Promise.all(
    proxies.map(async (proxy) => {
      const status = await deps.registry.status(proxy.id);
      // Judged by the build it should run (a pin or a rollout step may hold it back), as kubectl shows it.
      const hash = targetHash(proxy.id, desired?.hash, target);
      return {
        ...proxy,
        ...status,
        targetHash: hash,
        state: viewOfProxy(status, hash, now, staleAfterMs).state,
      };
    }),
  );
  return { desired, proxies: rows };
}

/** Entities per collection of a build, by hash: a build never changes, so each is counted once. */
const entityCounts = new Map<string, Record<string, number>>();
const ENTITY_COUNTS_KEPT = 20;

async function countEntities(deps: PipelineDeps, hash: string): Promise<Record<string, number> | undefined> {
  const known = entityCounts.get(hash);
  if (known) return known;
  const text = await deps.builds.text(hash);
  if (text === null) return undefined;
  const counts: Record<string, number> = {};
  // Routes sit inside services and targets inside upstreams in a declarative config: count them all.
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [collection, value] of Object.entries(node)) {
      if (!Array.isArray(value) || !value.every((item) => item && typeof item === 'object')) continue;
      counts[collection] = (counts[collection] ?? 0) + value.length;
      for (const item of value) walk(item);
    }
  };
  walk(JSON.parse(text));
  if (entityCounts.size >= ENTITY_COUNTS_KEPT) entityCounts.delete(entityCounts.keys().next().value!);
  entityCounts.set(hash, counts);
  return counts;
}

/** The convergence histogram of this process (event → every proxy synced), as per-bucket counts. */
async function convergence(metrics: Metrics) {
  const metric = metrics.registry.getSingleMetric('kong_fleet_event_to_synced_seconds');
  if (!metric) return [];
  const { values } = await metric.get();
  // A histogram's get() names each value (`…_bucket`, `…_sum`, `…_count`); the type leaves it out.
  const cumulative = (values as ((typeof values)[number] & { metricName?: string })[])
    .filter((value) => value.metricName?.endsWith('_bucket'))
    .map((value) => ({ le: String(value.labels.le), count: value.value }));
  return cumulative.map((bucket, i) => ({
    le: bucket.le,
    count: bucket.count - (i > 0 ? cumulative[i - 1]!.count : 0),
  }));
}

export interface FleetSnapshotOptions {
  readonly staleAfterMs: number;
  /** Traffic and drift reports of this period. */
  readonly periodMs: number;
}

/**
 * Everything the fleet console shows, in one read: proxies (with their last scrape), the desired
 * build with what is in it and what was dropped and why, drift reports of the period (the timeline),
 * the convergence histogram, traffic per route, and rollout progress while proxies are not at the
 * desired hash.
 */
export async function fleetSnapshot(deps: PipelineDeps, metrics: Metrics, options: FleetSnapshotOptions) {
  const now = Date.now();
  const since = now - options.periodMs;
  const { desired, proxies } = await proxyRows(deps, options.staleAfterMs);
  const [build, entities, exclusions, reports, traffic, histogram] = await Promise.all([
    desired ? deps.builds.record(desired.hash) : null,
    desired ? countEntities(deps, desired.hash) : undefined,
    deps.objects.exclusions(),
    deps.driftReports.list({ sinceMs: since, count: 500 }),
    deps.traffic?.store.read(
      proxies.map((proxy) => proxy.id),
      since,
      now,
    ),
    convergence(metrics),
  ]);
  const scrapeOf = new Map((traffic?.scrapes ?? []).map((scrape) => [scrape.proxy, scrape]));
  const atDesired = proxies.filter((proxy) => desired && proxy.actualHash === desired.hash).length;
  return {
    at: new Date(now).toISOString(),
    periodMs: options.periodMs,
    links: { queues: '/queues', metrics: '/metrics', config: '/debug/config' },
    desired,
    build: build ? { ...build, entities: entities ?? {} } : null,
    dropped: [
      ...(build?.dropped ?? []).map((entry) => ({ ...entry, by: 'controller' as const })),
      ...[...exclusions].map(([object, exclusion]) => ({
        object,
        reason: exclusion.reason,
        by: 'proxy' as const,
        proxy: exclusion.proxy,
      })),
    ],
    rollout:
      desired && atDesired < proxies.length ? { hash: desired.hash, atDesired, total: proxies.length } : null,
    proxies: proxies.map((proxy) => ({ ...proxy, scrape: scrapeOf.get(proxy.id) })),
    drift: reports.reverse().map((report) => ({
      at: report.at,
      desiredHash: report.desiredHash,
      summary: report.summary,
      proxies: report.proxies
        .filter((entry) => entry.class === 'drifted' || entry.class === 'unreachable')
        .map((entry) => ({
          proxy: entry.proxy,
          class: entry.class,
          cause: entry.cause,
          action: entry.action,
          error: entry.error,
        })),
    })),
    convergence: histogram,
    traffic: traffic ? summarizeTraffic(traffic.series) : null,
  };
}
