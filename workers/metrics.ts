import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftReport } from '../domain/drift.ts';
import type { PipelineMetrics } from '../jobs/ports.ts';
import { viewOfProxy } from '../jobs/proxy-state.ts';
import { targetHash } from '../jobs/target-hash.ts';
import type { JobProducer } from '../queue/producer.ts';
import type { BuildStore } from '../queue/store/build-store.ts';
import type { FleetCounters } from '../queue/store/fleet-counters.ts';
import type { ProxyRegistry } from '../queue/store/proxy-registry.ts';
import type { RolloutStore } from '../queue/store/rollout-store.ts';
import type { TrafficStore } from '../queue/store/traffic-store.ts';
import { registerTrafficMetrics } from './traffic-metrics.ts';

export interface MetricsSources {
  readonly producer: JobProducer;
  readonly registry: ProxyRegistry;
  readonly builds: BuildStore;
  /** A pin or a rollout step: each proxy is judged by the build it should run, as its ProxyInstance is. */
  readonly rollouts: RolloutStore;
  readonly counters: FleetCounters;
  /** Queues whose depth is exported. */
  readonly queues: readonly string[];
  readonly staleAfterMs: number;
  /** The fleet traffic totals (absent where traffic is not scraped). */
  readonly traffic?: TrafficStore;
}

export interface Metrics {
  readonly registry: Registry;
  /** What the jobs report into. */
  readonly pipeline: PipelineMetrics;
  /** Connects the gauges read at scrape time (queue depths, proxies by state, fleet sums) to Redis. */
  attach(sources: MetricsSources): void;
}

const SECONDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/**
 * The controller's Prometheus metrics (/metrics). Per-process counters and histograms from the jobs
 * this process ran; fleet-wide gauges (proxies by state, queue depths, the proxies' own request and
 * connection counters, summed across restarts) read from Redis at scrape time, so every replica
 * exports the same fleet view.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // prom-client's process and Node.js families (process_resident_memory_bytes, nodejs_heap_size_used_bytes,
  // nodejs_eventloop_lag_seconds, nodejs_gc_duration_seconds, …): what a memory or stall question starts
  // from. Only in a running controller; the generated metric list documents kong-fleet's own families.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  let sources: MetricsSources | undefined;

  const eventToSynced = new Histogram({
    name: 'kong_fleet_event_to_synced_seconds',
    help: 'From the first Kubernetes change a build carries to every proxy reporting that build',
    buckets: SECONDS,
    registers: [registry],
  });
  const eventToBuild = new Histogram({
    name: 'kong_fleet_event_to_build_seconds',
    help: 'From the first change a build carries to the build starting (the coalescing wait, measured apart)',
    buckets: SECONDS,
    registers: [registry],
  });
  const builds = new Counter({
    name: 'kong_fleet_builds_total',
    help: 'Builds by outcome (new, unchanged, superseded, kept-last-good, waiting-for-sync)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const buildDuration = new Histogram({
    name: 'kong_fleet_build_duration_seconds',
    help: 'Translate, validate, serialise and store one build',
    buckets: SECONDS,
    registers: [registry],
  });
  const buildSize = new Gauge({
    name: 'kong_fleet_build_size_bytes',
    help: 'Size of the last stored build (the exact text sent to proxies)',
    registers: [registry],
  });
  const pushes = new Counter({
    name: 'kong_fleet_pushes_total',
    help: 'Pushes per proxy by result (synced, rejected, retry, error, skipped, incompatible) and reason',
    labelNames: ['proxy', 'result', 'reason'],
    registers: [registry],
  });
  const pushDuration = new Histogram({
    name: 'kong_fleet_push_duration_seconds',
    help: 'One push to one proxy, by result',
    labelNames: ['result'],
    buckets: SECONDS,
    registers: [registry],
  });
  const driftChecks = new Counter({
    name: 'kong_fleet_drift_checks_total',
    help: 'Drift checks run',
    registers: [registry],
  });
  const driftDetections = new Counter({
    name: 'kong_fleet_drift_detections_total',
    help: 'Proxies found out of sync by a drift check, by cause (empty, previous-build, foreign) or unreachable',
    labelNames: ['cause'],
    registers: [registry],
  });
  const driftRepairs = new Counter({
    name: 'kong_fleet_drift_repairs_total',
    help: 'What drift checks did about drifted proxies (re-pushed, backing-off, reported, not-repaired-rejected)',
    labelNames: ['action'],
    registers: [registry],
  });

  new Gauge({
    name: 'kong_fleet_proxies',
    help: 'Known proxies by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      const [proxies, desired, target] = await Promise.all([
        sources.registry.list(),
        sources.builds.desired(),
        sources.rollouts.read(),
      ]);
      const now = Date.now();
      for (const proxy of proxies) {
        const view = viewOfProxy(
          await sources.registry.status(proxy.id),
          targetHash(proxy.id, desired?.hash, target),
          now,
          sources.staleAfterMs,
        );
        this.inc({ state: view.state });
      }
    },
  });
  new Gauge({
    name: 'kong_fleet_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      for (const name of sources.queues) {
        const counts = await sources.producer
          .queue(name)
          .getJobCounts('waiting', 'delayed', 'active', 'failed');
        for (const [state, count] of Object.entries(counts)) this.set({ queue: name, state }, count);
      }
    },
  });
  /**
   * The fleet sums are read once per scrape (four metrics share one Redis scan): a scrape's collect
   * calls start together, so they share the read in flight and its result for a second.
   */
  let totalsRead: { at: number; totals: ReturnType<FleetCounters['totals']> } | undefined;
  const fleetTotals = async () => {
    if (!sources) return undefined;
    const current = sources;
    if (!totalsRead || Date.now() - totalsRead.at > 1000) {
      totalsRead = {
        at: Date.now(),
        totals: current.registry.list().then((proxies) => current.counters.totals(proxies.map((p) => p.id))),
      };
    }
    return totalsRead.totals;
  };
  const fleetSum = (
    name: string,
    help: string,
    counter: 'total_requests' | 'connections_accepted' | 'connections_handled',
  ) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const totals = await fleetTotals();
        if (!totals) return;
        this.reset();
        this.inc(totals[counter]);
      },
    });
  fleetSum(
    'kong_fleet_proxy_requests_total',
    'Requests served by the whole fleet (sum of GET /status total_requests, across restarts)',
    'total_requests',
  );
  fleetSum(
    'kong_fleet_proxy_connections_accepted_total',
    'Connections accepted by the whole fleet, across restarts',
    'connections_accepted',
  );
  fleetSum(
    'kong_fleet_proxy_connections_handled_total',
    'Connections handled by the whole fleet, across restarts',
    'connections_handled',
  );
  new Gauge({
    name: 'kong_fleet_proxy_connections_active',
    help: 'Open connections across the live fleet (last GET /status of each proxy)',
    registers: [registry],
    async collect() {
      const totals = await fleetTotals();
      if (totals) this.set(totals.connections_active);
    },
  });

  const traffic = registerTrafficMetrics(registry, () =>
    sources?.traffic ? { store: sources.traffic, registry: sources.registry } : undefined,
  );

  const pipeline: PipelineMetrics = {
    ...traffic,
    buildFinished({ outcome, durationMs, sizeBytes, waitMs }) {
      builds.inc({ outcome });
      if (durationMs !== undefined) buildDuration.observe(durationMs / 1000);
      if (sizeBytes !== undefined) buildSize.set(sizeBytes);
      if (waitMs !== undefined) eventToBuild.observe(waitMs / 1000);
    },
    pushFinished({ proxy, result, reason, durationMs }) {
      pushes.inc({ proxy, result, reason });
      pushDuration.observe({ result }, durationMs / 1000);
    },
    converged({ seconds }) {
      eventToSynced.observe(seconds);
    },
    driftChecked(report: DriftReport) {
      driftChecks.inc();
      for (const entry of report.proxies) {
        if (entry.class === 'drifted') {
          driftDetections.inc({ cause: entry.cause ?? 'unknown' });
          driftRepairs.inc({ action: entry.action });
        } else if (entry.class === 'unreachable') {
          driftDetections.inc({ cause: 'unreachable' });
        }
      }
    },
    proxyCounters(proxy, server) {
      void sources?.counters.observe(proxy, server).catch(() => {});
    },
  };

  return {
    registry,
    pipeline,
    attach(next) {
      sources = next;
    },
  };
}
