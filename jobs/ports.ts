/**
 * What the job handlers need from the outside world, as narrow interfaces. workers/controller.ts
 * passes the real implementations; handlers never construct clients.
 */
import type { DriftReport, RepairMode } from '../domain/drift.ts';
import type { EventReason } from '../domain/event-reasons.ts';
import type { ObjectRef } from '../domain/object-ref.ts';
import type { ObjectPropagation, PodGate } from '../domain/propagation.ts';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import type { FleetModeSpec } from '../domain/shadow.ts';
import type { Condition } from '../k8s/conditions.ts';
import type { EventType, InvolvedObject } from '../k8s/event-recorder.ts';
import type { GatewayStatusPatch, LiveGatewayObject } from '../k8s/gateway-status-patches.ts';
import type { IngressRef, IngressState, LoadBalancerAddress } from '../k8s/ingress-status.ts';
import type { PropagationWriteResult } from '../k8s/propagation-status.ts';
import type { ProxyFleetStatus, ProxyInstanceStatus } from '../k8s/proxy-instances.ts';
import type { KongAdminClient } from '../kong/admin/client.ts';
import type { StatusMetricsClient } from '../kong/admin/status-metrics.ts';
import type { TranslateSettings } from '../kong/translate/index.ts';
import type { JobProducer } from '../queue/producer.ts';
import type { BuildStore } from '../queue/store/build-store.ts';
import type { ConvergenceTracker } from '../queue/store/convergence.ts';
import type { DriftReports } from '../queue/store/drift-reports.ts';
import type { ObjectStore } from '../queue/store/object-store.ts';
import type { PropagationStore } from '../queue/store/propagation-store.ts';
import type { ProxyRegistry } from '../queue/store/proxy-registry.ts';
import type { PushClaims } from '../queue/store/push-claims.ts';
import type { RolloutStore } from '../queue/store/rollout-store.ts';
import type { ShadowStore } from '../queue/store/shadow-store.ts';
import type { SnapshotCache } from '../queue/store/snapshot-cache.ts';
import type { TrafficStore } from '../queue/store/traffic-store.ts';

export interface EventSink {
  record(object: InvolvedObject, type: EventType, reason: EventReason, message: string): Promise<boolean>;
}

/** The Kong Admin boundary (kong/admin/client.ts): typed answers, adaptive deadlines. */
export type AdminApi = Pick<KongAdminClient, 'pushConfig' | 'readStatus' | 'readInfo' | 'readConfig'>;

/** Reads and writes Ingress `status.loadBalancer` (k8s/ingress-status.ts). */
export interface IngressStatusApi {
  publishAddresses(): Promise<LoadBalancerAddress[]>;
  list(): Promise<IngressState[]>;
  write(ref: IngressRef, addresses: readonly LoadBalancerAddress[]): Promise<void>;
}

/** Lists Gateway API objects with their status and patches it (k8s/gateway-status.ts). */
export interface GatewayStatusApi {
  list(): Promise<LiveGatewayObject[]>;
  write(patch: GatewayStatusPatch): Promise<void>;
}

/** The fleet's Kubernetes face: ProxyInstance objects, the ProxyFleet summary, and its settings. */
export interface FleetApi {
  /** From the ProxyFleet's spec (users edit it with kubectl). */
  repairMode(): Promise<RepairMode>;
  /**
   * `spec.mode` and `spec.takeover.force` (shadow mode and takeover, domain/shadow.ts); cached for a few
   * seconds unless `fresh`.
   */
  modeSpec(options?: { readonly fresh?: boolean }): Promise<FleetModeSpec>;
  /** ProxyFleet `spec.rollout` as written (parsed by jobs/rollout-plan.ts); undefined when absent. */
  rolloutSpec(): Promise<unknown>;
  /** The ProxyFleet, for Events about the whole fleet (rollout steps, pins). */
  fleetRef(): ObjectRef;
  /** The ProxyInstance an Event about this proxy is attached to. */
  instanceRef(proxyId: string): ObjectRef;
  /** Returns the conditions written; `previous` (what was written last) spares reading the object first. */
  writeInstance(
    proxy: ProxyEndpoint,
    status: ProxyInstanceStatus,
    previous?: readonly Condition[],
  ): Promise<Condition[]>;
  deleteInstance(proxyId: string): Promise<void>;
  /** Names of the fleet's ProxyInstance objects (to delete those whose proxy is gone). */
  listInstances(): Promise<string[]>;
  /** The object name a proxy's ProxyInstance has. */
  instanceName(proxyId: string): string;
  writeFleetStatus(status: ProxyFleetStatus): Promise<void>;
  /** A proxy not heard from for this long is shown Unreachable. */
  readonly staleAfterMs: number;
}

/** Counters and timings the jobs report (workers/metrics.ts implements them; tests may omit them). */
export interface PipelineMetrics {
  buildFinished(outcome: { outcome: string; durationMs?: number; sizeBytes?: number; waitMs?: number }): void;
  pushFinished(outcome: { proxy: string; result: string; reason: string; durationMs: number }): void;
  /** Every known proxy reports a build, `seconds` after the first change it carries. */
  converged(outcome: { seconds: number }): void;
  driftChecked(report: DriftReport): void;
  /** The server counters of one proxy's GET /status, for fleet-wide sums. */
  proxyCounters(proxy: string, counters: Readonly<Record<string, unknown>>): void;
  /** One proxy's traffic scrape: applied, failed, or skipped (claimed elsewhere this interval). */
  trafficScraped?(outcome: {
    proxy: string;
    result: 'applied' | 'stale' | 'failed' | 'skipped';
    reset: boolean;
    foldedRoutes: number;
  }): void;
}

/** The traffic scrape's I/O (jobs/traffic-scrape.ts): the proxies' Status API and the fleet totals. */
export interface TrafficPorts {
  readonly store: TrafficStore;
  readonly scraper: Pick<StatusMetricsClient, 'scrape'>;
  /** The Status API port on every proxy's address (Kong's status_listen). */
  readonly statusPort: number;
  readonly intervalMs: number;
}

/** Propagation status and the Pod readiness gate (jobs/propagation-status.ts, jobs/pod-readiness.ts). */
export interface PropagationPorts {
  readonly store: PropagationStore;
  /** Writes an object's `Programmed` condition or annotations (k8s/propagation-status.ts); absent: none. */
  readonly objects?: { write(verdict: ObjectPropagation): Promise<PropagationWriteResult> };
  /** Writes a proxy Pod's gate condition and annotations; absent: no Pod is written. */
  readonly pods?: {
    write(
      pod: { readonly name: string; readonly namespace: string },
      gate: PodGate,
      transition: boolean,
    ): Promise<'written' | 'missing'>;
  };
  /** After `desired` moves, a Pod still running an earlier known build keeps its gate True this long. */
  readonly gateGraceMs: number;
}

export interface PipelineDeps {
  readonly objects: ObjectStore;
  readonly snapshot: SnapshotCache;
  readonly builds: BuildStore;
  /** The rollout under way and the pin (which build each proxy gets: jobs/target-hash.ts). */
  readonly rollouts: RolloutStore;
  readonly registry: ProxyRegistry;
  readonly producer: JobProducer;
  readonly admin: AdminApi;
  readonly events: EventSink;
  readonly driftReports: DriftReports;
  readonly convergence: ConvergenceTracker;
  /** The mode the pipeline acts on and the latest shadow report. */
  readonly shadow: ShadowStore;
  /** One push per proxy at a time, across processes (jobs/push-claim.ts). */
  readonly pushClaims: PushClaims;
  readonly fleet: FleetApi;
  /** Present when a publish Service or addresses are configured. */
  readonly ingressStatus?: IngressStatusApi;
  /** Writes Gateway API status; absent in tests that do not need it. */
  readonly gatewayStatus?: GatewayStatusApi;
  /** Adds a (coalesced) build job; see jobs/build.ts. */
  readonly requestBuild: (reason: string) => Promise<void>;
  readonly translateSettings: TranslateSettings;
  /** Proxies older than this Kong version are not pushed to (state Incompatible). */
  readonly minimumKongVersion: string;
  readonly metrics?: PipelineMetrics;
  /** Present when propagation status or the Pod gate is on. */
  readonly propagation?: PropagationPorts;
  /** Present where traffic is scraped (the controller); the scrape job skips without it. */
  readonly traffic?: TrafficPorts;
}
